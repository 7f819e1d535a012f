"""The catalog in headless Chromium: search in Chinese and pinyin, filter, open a record, the
map drawn from the shipped Leaflet, the language switched, a phone-sized screen."""

import importlib
import re

import pytest

from registry.services import search_index
from tests.catalog_builders import build_catalog

# live_server tests flush every table, the regions included: reload them (see conftest).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalog_data():
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    records = build_catalog()
    # A flush empties SearchDoc but not SQLite's FTS5 index over it: rebuild both.
    search_index.refresh()
    return records


def result_names(page) -> list[str]:
    return page.locator(".result__name a").all_inner_texts()


def test_search_filter_and_open_a_record(live_server, page, artifacts, catalog_data):
    external = []
    page.on(
        "request",
        lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "查找历史文化保护对象"
    assert len(result_names(page)) == 7

    search = page.get_by_label("搜索", exact=True)
    search.fill("宗祠")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=%E5%AE%97%E7%A5%A0"))
    assert result_names(page) == ["宗祠村", "张氏宗祠", "李氏宗祠"]
    assert page.locator("#results-title").inner_text() == "共 3 个保护对象"
    page.wait_for_selector("#results-map[data-ready=true]")
    assert page.locator("#results-map path.point").count() == 2  # 宗祠村 has no coordinates
    assert "地图显示 2 个有坐标的对象" in page.locator("#map-caption").inner_text()
    page.screenshot(path=artifacts / "catalog-search.png", full_page=True)

    page.locator(".facet").filter(has_text="类别").get_by_role("link", name="历史建筑").click()
    page.wait_for_url(re.compile(r"kind=building"))
    assert result_names(page) == ["张氏宗祠", "李氏宗祠"]
    assert "类别：历史建筑" in page.locator(".active-filters").inner_text()

    search = page.get_by_label("搜索", exact=True)
    search.fill("zszc")  # initials, and the kind filter is kept
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=zszc"))
    assert "kind=building" in page.url
    assert result_names(page) == ["张氏宗祠"]

    page.get_by_role("link", name="张氏宗祠").click()
    page.wait_for_url(re.compile(r"/records/JZ-B-0001/$"))
    assert page.locator("h1").inner_text() == "张氏宗祠"
    facts = page.locator("section[aria-labelledby=facts-title] dl.facts").inner_text()
    assert "山西省 · 晋中市 · 平遥县" in facts and "南大街历史文化街区" in facts and "空置" in facts
    page.wait_for_selector("#record-map[data-ready=true]")
    page.screenshot(path=artifacts / "catalog-record.png", full_page=True)
    assert external == []
    assert page.errors == []


def test_pinyin_search_and_map_clusters(live_server, page, artifacts, catalog_data):
    page.goto(f"{live_server.url}/?q=zongci")
    assert result_names(page) == ["宗祠村", "张氏宗祠", "李氏宗祠"]
    page.goto(f"{live_server.url}/?q=changsha")
    assert result_names(page) == ["长沙天心阁"]
    page.goto(f"{live_server.url}/?region=140000")
    page.wait_for_selector("#results-map[data-ready=true]")
    # Two of Pingyao's three points are a few hundred metres apart: clustered at this zoom.
    assert page.locator("#results-map .marker-cluster").count() >= 1
    page.screenshot(path=artifacts / "catalog-shanxi.png", full_page=True)
    assert page.errors == []


def test_switch_language(live_server, page, artifacts, catalog_data):
    page.goto(f"{live_server.url}/?q=宗祠")
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Find historic places"
    assert page.locator("#results-title").inner_text() == "3 records"
    assert "q=" in page.url  # the same search, in English
    assert "Historic building" in page.locator(".facets").inner_text()
    page.screenshot(path=artifacts / "catalog-english.png", full_page=True)
    assert page.errors == []


def test_phone_record_page_by_keyboard(live_server, page, artifacts, catalog_data):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")  # the skip link first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    search = page.get_by_label("搜索", exact=True)
    search.focus()
    page.keyboard.type("平遥")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    # The city by its name, and the records lying in Pingyao county by their place's name.
    assert result_names(page) == ["平遥", "张氏宗祠", "南大街历史文化街区"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "catalog-phone-search.png", full_page=True)
    page.goto(f"{live_server.url}/records/JZ-B-0001/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.wait_for_selector("#record-map[data-ready=true]")
    page.screenshot(path=artifacts / "catalog-phone-record.png", full_page=True)
    assert page.errors == []
