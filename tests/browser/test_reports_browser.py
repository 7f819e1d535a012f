"""The report page in headless Chromium: charts drawn, drill down by clicking, download."""

import importlib
import re

import pytest

from tests.indicator_builders import plaque, record, survey

# A transactional test (live_server) flushes every table, the regions loaded by migration
# 0002 included: the fixture loads them again with the migration's own (idempotent) function.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry():
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    for region, plaqued in (("140728", True), ("140728", False), ("140105", True),
                            ("110101", True), ("441900", True)):  # fmt: skip
        rec = record(designated="2010-01-01", region=region)
        if plaqued:
            plaque(rec, "2010-06-01")
        survey(rec, "2012-01-01", "vacant" if region == "140728" else "in_use")
    plaque(record("district", designated="2011-01-01", region="140728"), "2011-02-01")


def test_drill_down_and_download(live_server, page, artifacts, registry):
    page.goto(f"{live_server.url}/reports/?as_of=2020-12-31")
    assert page.locator("h1").inner_text() == "挂牌保护率与历史建筑空置率"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    # Two bar charts and two trend charts, drawn by the page's own script.
    assert page.locator(".chart svg").count() == 4
    assert page.locator(".chart svg .target").count() == 4
    table = page.locator("table.report").first
    assert table.locator("tbody th").all_inner_texts() == [
        "北京市 110000", "山西省 140000", "广东省 440000",
    ]  # fmt: skip

    table.get_by_role("link", name="山西省").click()
    page.wait_for_url(re.compile(r"region=140000"))
    table = page.locator("table.report").first
    assert "晋中市" in table.inner_text() and "太原市" in table.inner_text()
    table.get_by_role("link", name="晋中市").click()
    page.wait_for_url(re.compile(r"region=140700"))
    row = page.locator("table.report tbody tr").first
    assert "平遥县" in row.inner_text()
    assert "未达标" in row.inner_text()  # one of Pingyao's two buildings has no plaque
    assert [c.strip() for c in page.locator(".crumbs li").all_inner_texts()] == [
        "全国", "山西省", "晋中市",
    ]  # fmt: skip
    page.screenshot(path=artifacts / "reports-jinzhong.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    data = download.value.path().read_bytes()
    assert download.value.suggested_filename == "indicators-2020-12-31-county-140700.csv"
    assert data.startswith(b"\xef\xbb\xbf") and "平遥县" in data.decode("utf-8-sig")
    assert page.errors == []


def test_filters_by_keyboard_and_narrow_screen(live_server, page, artifacts, registry):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reports/")
    page.get_by_label("保护级别").select_option("national")
    page.get_by_label("行政区划").select_option("140000")
    page.get_by_label("统计日期").fill("2010-12-31")
    page.get_by_label("统计日期").press("Enter")  # submits the form, as a keyboard user would
    page.wait_for_url(re.compile(r"region=140000"))
    assert "as_of=2010-12-31" in page.url and "level=national" in page.url
    assert page.locator(".summary h2").inner_text() == "山西省 · 2010-12-31 · 国家级"
    # The charts fit the screen: nothing scrolls sideways but the table.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=artifacts / "reports-narrow.png", full_page=True)
    assert page.errors == []


def test_archive_coverage_beside_plaque_coverage_and_the_xlsx(live_server, page, artifacts,
                                                              registry):  # fmt: skip
    import io

    from openpyxl import load_workbook

    from registry.models import Record

    for rec in Record.objects.filter(region_id="140728"):
        rec.archive_level, rec.archive_completed_on = "typical", rec.designated_on
        rec.save()
    page.goto(f"{live_server.url}/reports/?as_of=2020-12-31&region=140000")
    cards = page.locator(".cards .card h3").all_inner_texts()
    assert cards[:3] == ["挂牌保护率", "测绘建档率", "历史建筑空置率"]
    card = page.locator("#archive-card").inner_text()
    assert "75.00%" in card and "街区已建档 1 / 1；建筑已建档 2 / 3" in card
    assert "测绘建档率" in page.locator("table.report thead").first.inner_text()
    page.screenshot(path=artifacts / "reports-archive.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "保护指标 · 山西省（140000） · 全部级别 · 统计日期 2020-12-31"
    assert sheet.freeze_panes == "C3"
    assert page.errors == []
