"""The maps' zones, area search and base map in headless Chromium: a record's zone outlines and
legend, "search this area" keeping the search, the area's chip and rectangle, the search map's
outlines when zoomed in, the shipped schematic outlines in Chinese and English."""

import importlib
import re
import time

import pytest
from django.contrib.gis.geos import GEOSGeometry

from registry.models import Record
from registry.services import search_index
from registry.zones.geometry import parse_zone
from tests.catalog_builders import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def square(lon, lat, size):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return GEOSGeometry(
        memoryview(parse_zone({"type": "Polygon", "coordinates": [ring]}).wkb), 4326
    )


@pytest.fixture
def zoned():
    from django.apps import apps

    migration = importlib.import_module("registry.migrations.0002_load_regions")
    migration.load_regions(apps, None)
    records = build_catalog()
    Record.objects.filter(code="JZ-B-0001").update(
        protection_zone=square(112.1705, 37.2005, 0.001),
        control_zone=square(112.169, 37.199, 0.004),
    )
    Record.objects.filter(code="CS-B-0003").update(protection_zone=square(112.98, 28.19, 0.003))
    search_index.refresh()
    return records


def wait_for(page, script: str, timeout: float = 10.0):
    """Polls `script` (an expression) until it is truthy: CSP forbids wait_for_function."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"never true: {script}")


def test_record_page_draws_its_zones_with_a_legend(live_server, page, artifacts, zoned):
    page.goto(f"{live_server.url}/records/JZ-B-0001/")
    page.wait_for_selector("#record-map[data-ready=true]")
    assert page.locator("#record-map path.zone--protection").count() == 1
    assert page.locator("#record-map path.zone--control").count() == 1
    legend = page.locator(".map-legend").inner_text()
    assert "保护范围" in legend and "建设控制地带" in legend
    wait_for(page, "document.querySelector('#record-map').dataset.basemap === 'outlines'")
    assert "示意图，非标准地图" in page.locator("#record-map .map-note").inner_text()
    page.locator("#record-map").screenshot(path=artifacts / "bbox-record-zones-zh.png")

    # Zones and no point: a map all the same, fitted to the zone.
    page.goto(f"{live_server.url}/records/CS-B-0003/")
    page.wait_for_selector("#record-map[data-ready=true]")
    assert page.locator("#record-map path.zone--protection").count() == 1
    assert page.locator("#record-map path.point").count() == 0

    # A record with neither has no map.
    page.goto(f"{live_server.url}/records/GD-V-0001/")
    assert page.locator("#record-map").count() == 0
    assert page.errors == []


def test_search_this_area_keeps_the_search(live_server, page, artifacts, zoned):
    page.goto(f"{live_server.url}/?q=宗祠")
    page.wait_for_selector("#results-map[data-ready=true]")
    wait_for(page, "document.querySelector('#results-map').dataset.basemap === 'outlines'")
    page.screenshot(path=artifacts / "bbox-catalog-zh.png", full_page=True)
    page.get_by_role("button", name="在此区域搜索").click()
    page.wait_for_url(re.compile(r"bbox="))
    assert "q=%E5%AE%97%E7%A5%A0" in page.url  # the search is kept
    names = page.locator(".result__name a").all_inner_texts()
    assert names == ["张氏宗祠", "李氏宗祠"]  # 宗祠村 has no point and no zone
    chip = page.locator(".active-filters a", has_text="地图范围")
    assert chip.count() == 1
    page.wait_for_selector("#results-map[data-ready=true]")
    assert page.locator("#results-map path.area-box").count() == 1
    chip.click()
    page.wait_for_url(re.compile(r"^(?!.*bbox=)"))
    assert len(page.locator(".result__name a").all_inner_texts()) == 3
    assert page.errors == []


def test_search_map_draws_zones_when_zoomed_in(live_server, page, artifacts, zoned):
    page.goto(f"{live_server.url}/?bbox=112.16,37.19,112.18,37.21")
    page.wait_for_selector("#results-map[data-ready=true]")
    wait_for(page, "document.querySelectorAll('#results-map path.zone--protection').length")
    assert page.locator("#results-map path.zone--control").count() == 1
    page.locator(".map-box").screenshot(path=artifacts / "bbox-catalog-zones-zh.png")
    assert page.errors == []


def test_the_maps_in_english(live_server, page, artifacts, zoned):
    page.goto(f"{live_server.url}/records/JZ-B-0001/")
    page.select_option("#lang-select", label="English")
    page.locator(".lang-switch button").click()
    page.wait_for_selector("html[lang=en]")
    page.wait_for_selector("#record-map[data-ready=true]")
    wait_for(page, "document.querySelector('#record-map').dataset.basemap === 'outlines'")
    legend = page.locator(".map-legend").inner_text()
    assert "Protection zone" in legend and "Construction control zone" in legend
    assert "Schematic, not a standard map" in page.locator("#record-map .map-note").inner_text()
    page.screenshot(path=artifacts / "bbox-record-en.png", full_page=True)
    page.goto(f"{live_server.url}/?bbox=111,36,114,38.5")
    page.wait_for_selector("#results-map[data-ready=true]")
    assert "Map area" in page.locator(".active-filters").inner_text()
    assert page.get_by_role("button", name="Search this area").is_visible()
    wait_for(page, "document.querySelector('#results-map').dataset.basemap === 'outlines'")
    time.sleep(0.5)  # the zoom animation
    page.screenshot(path=artifacts / "bbox-catalog-en.png", full_page=True)
    assert page.errors == []


def test_the_whole_country_in_schematic_outlines(live_server, page, artifacts, zoned):
    page.goto(f"{live_server.url}/?q=nothing-matches-this")  # no points: the national view
    page.wait_for_selector("#results-map[data-ready=true]")
    wait_for(page, "document.querySelector('#results-map').dataset.basemap === 'outlines'")
    assert page.locator("#results-map path.outline--province").count() == 1
    assert page.locator("#results-map path.outline--coast").count() == 1
    labels = page.locator("#results-map .map-labels span").all_inner_texts()
    assert "山西" in labels and "广东" in labels and len(labels) == 29  # Beijing… when zoomed in
    time.sleep(0.5)  # the zoom animation
    page.locator(".map-box").screenshot(path=artifacts / "bbox-country-zh.png")
    assert page.errors == []
