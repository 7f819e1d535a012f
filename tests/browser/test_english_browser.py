"""English pages in headless Chromium, after their scripts ran: the charts' labels, the map's
popups and tooltips, no Han character outside record data (tests/english_pages.py)."""

import importlib
import pkgutil
import re

import pytest

import registry.migrations
from tests.english_pages import leaks
from tests.indicator_builders import plaque, record, survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _migration(suffix: str):
    """A migration module by the end of its name (the integrator renumbers migrations)."""
    names = [m.name for m in pkgutil.iter_modules(registry.migrations.__path__)]
    return importlib.import_module(
        f"registry.migrations.{next(n for n in names if n.endswith(suffix))}"
    )


@pytest.fixture
def registry_data():
    """Regions (the live server's flush removed them) with their English names, and a few
    records in Pingyao, Taiyuan and Beijing."""
    from django.apps import apps

    _migration("_load_regions").load_regions(apps, None)
    _migration("_region_name_en").fill_names(apps, None)
    made = []
    for region, plaqued in (("140728", True), ("140728", False), ("140105", True),
                            ("110101", True)):  # fmt: skip
        rec = record(designated="2010-01-01", region=region)
        rec.lat, rec.lon = 37.2, 112.18
        rec.name, rec.address = "张氏宗祠", "南大街 12 号"
        rec.save()
        if plaqued:
            plaque(rec, "2010-06-01")
        survey(rec, "2012-01-01", "vacant" if region == "140728" else "in_use")
        made.append(rec)
    return made


def record_data(records) -> list[str]:
    return [value for r in records for value in (r.name, r.address) if value]


def switch_to_english(page, url: str) -> None:
    """Through the language menu, as a visitor would: it offers English by its own name."""
    page.goto(url)
    page.select_option("#lang-select", label="English")
    page.locator(".lang-switch button").click()
    page.wait_for_selector("html[lang=en]")


def test_reports_and_record_pages_in_english(live_server, page, artifacts, registry_data):
    switch_to_english(page, f"{live_server.url}/reports/?as_of=2020-12-31")
    assert page.locator("h1").inner_text() == "Plaque coverage and historic building vacancy"
    assert page.locator(".chart svg").count() == 4
    bars = page.locator(".chart svg .bar-label").evaluate_all("els => els.map(e => e.textContent)")
    assert "Shanxi Province" in bars and "Beijing" in bars
    assert leaks(page.content(), record_data(registry_data)) == []
    page.screenshot(path=artifacts / "english-reports.png", full_page=True)

    page.locator("table.report").first.get_by_role("link", name="Shanxi Province").click()
    page.wait_for_url(re.compile(r"region=140000"))
    page.locator("table.report").first.get_by_role("link", name="Jinzhong").click()
    page.wait_for_url(re.compile(r"region=140700"))
    assert "Pingyao County" in page.locator("table.report tbody").first.inner_text()
    assert leaks(page.content(), record_data(registry_data)) == []
    page.screenshot(path=artifacts / "english-reports-jinzhong.png", full_page=True)

    building = registry_data[0]
    page.goto(f"{live_server.url}/records/{building.code}/")
    page.wait_for_selector("#record-map[data-ready='true']")
    page.locator("#record-map .point--here").hover()
    page.wait_for_selector(".leaflet-tooltip")
    assert page.locator(".leaflet-tooltip [lang='zh-Hans']").inner_text() == building.name
    facts = page.locator("section[aria-labelledby=facts-title] dl.facts").inner_text()
    assert "Pingyao County" in facts
    assert leaks(page.content(), record_data(registry_data)) == []
    page.screenshot(path=artifacts / "english-record.png", full_page=True)

    page.goto(f"{live_server.url}/?region=140000")
    page.wait_for_selector("#results-map[data-ready='true']")
    page.locator("#results-map .marker-cluster").first.click()  # spiderfies the three
    page.locator("#results-map path.leaflet-interactive").last.click(force=True)
    popup = page.locator(".leaflet-popup a[lang='zh-Hans']")
    popup.wait_for()
    assert popup.inner_text() == "张氏宗祠"
    assert leaks(page.content(), record_data(registry_data)) == []
    page.screenshot(path=artifacts / "english-catalog.png", full_page=True)
    assert page.errors == []
