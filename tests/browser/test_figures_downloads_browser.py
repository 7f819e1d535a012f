"""From a report's count to its records, and the records downloaded: in headless Chromium."""

import importlib
import io
import re

import pytest
from openpyxl import load_workbook

from registry.services import search_index
from tests.catalog_builders import build_catalog
from tests.indicator_builders import plaque, record, survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def load_regions():
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)


def catalog_total(page) -> int:
    text = page.locator("#results-title").inner_text()
    return int(re.fullmatch(r"共 (\d+) 个保护对象", text).group(1))


@pytest.fixture
def registry():
    load_regions()
    for n, (region, plaqued, occupancy) in enumerate(
        (("140728", True, "vacant"), ("140728", False, "vacant"), ("140728", False, None),
         ("140105", True, "in_use"), ("140700", False, "vacant"))
    ):  # fmt: skip
        rec = record(designated="2010-01-01", region=region, code=f"B-{n}")
        if plaqued:
            plaque(rec, "2010-06-01")
        if occupancy:
            survey(rec, "2012-01-01", occupancy)
    plaque(record("district", designated="2011-01-01", region="140728"), "2011-02-01", "2019-01-01")


def test_a_report_count_clicked_through_to_the_same_count(live_server, page, artifacts, registry):
    page.goto(f"{live_server.url}/reports/?as_of=2018-12-31&region=140700")
    page.screenshot(path=artifacts / "report-figures.png", full_page=True)
    rows = page.locator("table.report").first.locator("tbody tr")
    pingyao = rows.filter(has_text="平遥县")
    link = pingyao.locator('a[data-figure="buildings_unplaqued"]')
    assert link.inner_text() == "2"
    link.click()
    page.wait_for_url(re.compile(r"plaqued=false"))
    assert "as_of=2018-12-31" in page.url and "region=140728" in page.url
    assert catalog_total(page) == 2
    active = page.locator(".active-filters").inner_text()
    assert "未挂牌" in active and "2018-12-31" in active
    page.screenshot(path=artifacts / "report-figure-catalog.png", full_page=True)

    # Every count of the total row, clicked through, as of 2018 (the district still plaqued).
    page.goto(f"{live_server.url}/reports/?as_of=2018-12-31&region=140700")
    figures = page.locator("table.report tfoot a.figure")
    wanted = [(a.get_attribute("data-figure"), a.inner_text()) for a in figures.all()]
    assert len(wanted) == 12
    for figure, shown in wanted:
        page.locator(f'table.report tfoot a[data-figure="{figure}"]').click()
        page.wait_for_url(re.compile(r"status=designated"))
        assert catalog_total(page) == int(shown), figure
        page.go_back()
    assert page.errors == []


def test_search_downloaded_as_xlsx(live_server, page, artifacts):
    load_regions()
    build_catalog()
    search_index.refresh()  # a flush empties SearchDoc, not the FTS5 index over it
    page.goto(f"{live_server.url}/")
    search = page.get_by_label("搜索", exact=True)
    search.fill("宗祠")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=%E5%AE%97%E7%A5%A0"))
    shown = catalog_total(page)
    page.screenshot(path=artifacts / "catalog-downloads.png", full_page=True)
    with page.expect_download() as download:
        page.locator('.downloads a[data-format="xlsx"]').click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("编号", "名称")
    names = page.locator(".result__name a").all_inner_texts()
    assert len(rows) - 1 == shown == 3 and sorted(r[1] for r in rows[1:]) == sorted(names)
    assert page.errors == []
