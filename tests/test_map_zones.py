"""The zones on the maps: the record page's outlines (read as WKB, within its query budget), the
search map's zones endpoint (bounded), the tile service setting and its CSP."""

import json
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from heritage.settings.base import checked_tile_url
from registry.models import Record
from registry.views import catalog as views

from .catalog_builders import build_catalog
from .test_area_filter import square

TILES = (
    "https://t0.tianditu.gov.cn/vec_w/wmts?LAYER=vec&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k"
)


@pytest.fixture
def cat(db):
    records = build_catalog()
    Record.objects.filter(code="JZ-B-0001").update(
        protection_zone=square(112.1705, 37.2005, 0.001),
        control_zone=square(112.169, 37.199, 0.004),
    )
    Record.objects.filter(code="CS-B-0003").update(protection_zone=square(112.98, 28.19, 0.003))
    return records


def zones_on(html: str) -> list[dict]:
    found = re.search(r'<script id="record-zones" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1)) if found else []


def test_record_page_embeds_its_zones_within_budget(client, cat, django_assert_num_queries):
    client.get("/records/JZ-B-0001/")  # SpatiaLite asks its version once a connection
    with django_assert_num_queries(5):  # as without zones: read in the record's own query
        html = client.get("/records/JZ-B-0001/").content.decode()
    zones = zones_on(html)
    assert [z["zone"] for z in zones] == ["control", "protection"]  # the control zone under
    assert zones[1]["geometry"]["type"] == "Polygon"
    assert zones[1]["geometry"]["coordinates"][0][0] == [112.1705, 37.2005]
    assert 'id="record-map"' in html and "map-legend" in html


def test_zones_without_a_point_still_get_a_map(client, cat):
    html = client.get("/records/CS-B-0003/").content.decode()
    assert 'id="record-map"' in html and "data-lat" not in html
    assert len(zones_on(html)) == 1
    html = client.get("/records/GD-V-0001/").content.decode()  # no point, no zone: no map
    assert 'id="record-map"' not in html and "map-legend" not in html


def test_the_zones_endpoint_answers_the_view(client, cat, django_assert_num_queries):
    client.get("/records/JZ-B-0001/")  # SpatiaLite asks its version once a connection
    with django_assert_num_queries(2):  # the sizes, then the zones that fit
        data = client.get("/search/zones/", {"view": "112.1,37.1,112.3,37.3"}).json()
    assert [(z["code"], z["zone"]) for z in data["zones"]] == [
        ("JZ-B-0001", "control"),
        ("JZ-B-0001", "protection"),
    ]
    assert data["truncated"] is False
    # With the search's filters: a kind that JZ-B-0001 is not.
    data = client.get("/search/zones/", {"view": "112.1,37.1,112.3,37.3", "kind": "city"}).json()
    assert data["zones"] == []
    data = client.get("/search/zones/", {"view": "112.9,28.1,113.1,28.3", "q": "天心阁"}).json()
    assert [z["code"] for z in data["zones"]] == ["CS-B-0003"]


def test_the_zones_endpoint_is_bounded(client, cat, monkeypatch):
    assert client.get("/search/zones/").status_code == 400  # no view
    assert client.get("/search/zones/", {"view": "100,30,106,31"}).status_code == 400  # too wide
    assert client.get("/search/zones/", {"view": "1,2,3"}).status_code == 400
    bad = client.get("/search/zones/", {"view": "112,37,113,38", "bbox": "x"})
    assert bad.status_code == 400
    monkeypatch.setattr(views, "ZONES_RECORDS_MAX", 1)
    data = client.get("/search/zones/", {"view": "110,27,114.9,31.9"}).json()
    assert data["truncated"] is False  # only CS-B-0003 here
    Record.objects.filter(code="TY-B-0002").update(control_zone=square(112.9, 28.1, 0.1))
    data = client.get("/search/zones/", {"view": "110,27,114.9,31.9"}).json()
    assert data["truncated"] is True and {z["code"] for z in data["zones"]} == {"CS-B-0003"}
    # Bounded by the geometry too: records that fit by count but not by weight are left out
    # (the first always answers).
    monkeypatch.setattr(views, "ZONES_RECORDS_MAX", 250)
    monkeypatch.setattr(views, "ZONES_WKB_MAX", 10)
    data = client.get("/search/zones/", {"view": "110,27,114.9,31.9"}).json()
    assert data["truncated"] is True and {z["code"] for z in data["zones"]} == {"CS-B-0003"}


@pytest.mark.parametrize(
    "value",
    [
        TILES,
        "https://tiles.example.gov.cn/{z}/{x}/{y}.png",
        "https://tiles.example.gov.cn:8443/base/{z}/{y}/{x}.png",
    ],
)
def test_valid_tile_addresses(value):
    assert checked_tile_url(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "http://tiles.example.gov.cn/{z}/{x}/{y}.png",  # not https
        "https://user:pw@tiles.example.gov.cn/{z}/{x}/{y}.png",  # credentials
        "https://tiles.example.gov.cn/{z}/{x}.png",  # no {y}
        "https://tiles.example.gov.cn/{z}/{x}/{y}/{y}.png",  # twice
        "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png",  # another placeholder, in the host
        "https://tiles.example.gov.cn/{z}/{x}/{y}.png#x",
        'https://tiles.example.gov.cn/{z}/{x}/{y}.png"><script>',
        "https://tiles.example.gov.cn/{z}/{x}/{y} .png",
        "javascript:alert(1)//{z}/{x}/{y}",
        "https://tiles.example.gov.cn:99999/{z}/{x}/{y}.png",
        "",
    ],
)
def test_invalid_tile_addresses_are_refused(value):
    with pytest.raises(ImproperlyConfigured, match="HERITAGE_TILE_URL"):
        checked_tile_url(value)


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_without_tiles_the_maps_draw_the_shipped_outlines(client, cat):
    response = client.get("/records/JZ-B-0001/")
    html = response.content.decode()
    assert "data-outlines-url=" in html and "data-tile-url" not in html
    assert directives(response["Content-Security-Policy"])["img-src"] == "'self' data:"


@override_settings(
    HERITAGE_TILE_URL=TILES, HERITAGE_TILE_ATTRIBUTION="天地图 审图号：GS(2024)0000号"
)
def test_with_tiles_the_maps_use_them_and_the_csp_allows_their_host(cat):
    client = Client()  # its middleware built under these settings
    for url in ("/records/JZ-B-0001/", "/?q=宗祠"):
        response = client.get(url)
        html = response.content.decode()
        assert 'data-tile-url="https://t0.tianditu.gov.cn/vec_w/wmts?LAYER=vec&amp;' in html
        assert 'data-tile-attribution="天地图 审图号：GS(2024)0000号"' in html
        assert "data-outlines-url" not in html
        img = directives(response["Content-Security-Policy"])["img-src"]
        assert img == "'self' data: https://t0.tianditu.gov.cn"


def test_the_shipped_outlines_are_small_and_whole():
    from django.conf import settings

    path = settings.BASE_DIR / "static/vendor/china-outlines/outlines.json"
    assert path.stat().st_size < 1_500_000
    data = json.loads(path.read_text())
    for layer in ("provinces", "prefectures", "coast"):
        lines = data[layer]
        assert lines and all(len(line) >= 2 for line in lines)
        assert all(70 <= x <= 137 and 15 <= y <= 55 for line in lines for x, y in line)
    provinces = {row[0] for row in data["province_labels"]}
    assert {"山西", "广东", "新疆", "台湾", "北京", "香港"} <= provinces and len(provinces) == 34
    assert len(data["prefecture_labels"]) > 300
    here = (settings.BASE_DIR / "static/vendor/china-outlines").iterdir()
    assert {"README.md", "LICENCE.md"} <= {p.name for p in here}
