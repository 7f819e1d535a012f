"""/protection/ in headless Chromium: click the map on a zone, see it drawn and its record
listed; type coordinates; the English page; print to PDF (the answer, the day, the point and
the page's address in it)."""

import datetime
import importlib
import io
import re
import time
import unicodedata

import pytest
from django.contrib.gis.geos import GEOSGeometry
from pypdf import PdfReader

from registry.models import Record
from registry.zones.geometry import parse_zone
from tests.catalog_builders import make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def square(x0, y0, x1, y1) -> GEOSGeometry:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    zone = parse_zone({"type": "Polygon", "coordinates": [ring]})
    return GEOSGeometry(memoryview(zone.wkb), srid=4326)


@pytest.fixture
def zones():
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    day = datetime.date(2000, 1, 1)
    make("HC-140728", "city", "平遥", level="national", designated_on=day, lat=35, lon=105)
    make("JZ-D-0001", "district", "南大街历史文化街区", level="provincial", designated_on=day)
    # The map opens on China centred on (35, 105): a click in its middle lands in both zones
    # of the city, and in the district's control zone.
    Record.objects.filter(code="HC-140728").update(
        protection_zone=square(103, 33, 107, 37), control_zone=square(100, 30, 110, 40)
    )
    Record.objects.filter(code="JZ-D-0001").update(control_zone=square(104, 34, 112, 38))


def wait_ready(page, selector="#protection-map"):
    for _ in range(100):  # page.evaluate, not wait_for_function: the CSP refuses eval
        if page.evaluate(f"document.querySelector('{selector}').dataset.ready") == "true":
            return
        time.sleep(0.05)
    raise AssertionError("the map was not drawn")


def rows(page) -> list[str]:
    texts = page.locator(".check-results tbody tr").all_inner_texts()
    return [re.sub(r"\s+", " ", t).strip() for t in texts]


def test_click_the_map_see_the_zones_and_print(live_server, page, artifacts, zones):
    page.goto(f"{live_server.url}/protection/")
    assert page.locator("h1").inner_text() == "是否在保护范围内"
    wait_ready(page)
    box = page.locator("#protection-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"lat=3[45]\.\d+&lon=10[45]\.\d+"))
    wait_ready(page)
    assert page.locator("#answer-title").inner_text() == "该位置在 3 处保护范围或建设控制地带内"
    assert rows(page) == [
        "保护范围 HC-140728 平遥 历史文化名城 国家级 已认定",
        "建设控制地带 HC-140728 平遥 历史文化名城 国家级 已认定",
        "建设控制地带 JZ-D-0001 南大街历史文化街区 历史文化街区 省级 已认定",
    ]
    # The zones drawn: SVG paths in the map, one per zone, styled by kind.
    assert page.locator("#protection-map path.zone--protection").count() == 1
    assert page.locator("#protection-map path.zone--control").count() == 2
    assert page.locator("#protection-map path.check-point").count() == 1
    page.locator("#protection-map path.zone--protection").hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert re.sub(r"\s+", " ", tooltip.inner_text()).strip() == "平遥 HC-140728 保护范围"
    assert tooltip.locator("[lang=zh-Hans]").inner_text() == "平遥"
    link = page.get_by_role("link", name="平遥").first
    assert link.get_attribute("href") == "/records/HC-140728/"
    page.screenshot(path=artifacts / "protection-zh.png", full_page=True)

    # Printed: the header, the form and the button go; the address of the page comes.
    button = page.get_by_role("button", name="打印")
    assert button.is_visible()
    page.emulate_media(media="print")
    wait_ready(page)
    assert not page.locator("#check-form").is_visible()
    assert not button.is_visible()
    assert page.locator(".check-url").is_visible()
    page.screenshot(path=artifacts / "protection-print.png", full_page=True)
    pdf = page.pdf(format="A4")
    (artifacts / "protection.pdf").write_bytes(pdf)
    # NFKC: the PDF's fonts map some characters to Kangxi radicals (⽇ for 日).
    reader = PdfReader(io.BytesIO(pdf))
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages))
    today = datetime.date.today().isoformat()
    compact = re.sub(r"\s+", "", text)  # the address may wrap
    for expected in ("HC-140728", "JZ-D-0001", "依据日期", "查询日期", f"&as_of={today}"):
        assert expected in compact, expected
    assert len(reader.pages) == 1
    assert page.errors == []


def test_type_coordinates_and_english(live_server, page, artifacts, zones):
    page.goto(f"{live_server.url}/protection/")
    page.get_by_label("纬度").fill("31")
    page.get_by_label("经度").fill("101")
    page.get_by_label("依据日期").fill("2020-01-01")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r"lat=31&lon=101&as_of=2020-01-01"))
    wait_ready(page)
    assert rows(page) == ["建设控制地带 HC-140728 平遥 历史文化名城 国家级 已认定"]
    assert page.locator("#protection-map path.zone--control").count() == 1

    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_selector("html[lang=en]")
    wait_ready(page)
    assert page.locator("h1").inner_text() == "Is this place protected?"
    assert rows(page) == [
        "Construction control zone HC-140728 平遥 Famous historic city National Designated"
    ]
    assert page.get_by_role("button", name="Print").is_visible()
    page.screenshot(path=artifacts / "protection-en.png", full_page=True)

    page.goto(f"{live_server.url}/protection/?lat=0&lon=0")
    wait_ready(page)
    answer = page.locator("#answer-title").inner_text()
    assert "no protection or construction-control zone" in answer
    assert page.locator("#protection-map path.zone--control").count() == 0
    assert page.errors == []
