"""The area filter `bbox` (protection.md, Area filter) on the API and the search page: the point
in the box or a zone meeting it, edges included; with q and the other filters; 400s for a
bad box; and the plans that keep it fast (the lat/lon index, the zones' spatial indexes)."""

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.cache import cache
from django.db import connection

from registry.models import Record
from registry.selectors.records import catalog
from registry.zones import bbox
from registry.zones.geometry import parse_zone

from .catalog_builders import build_catalog

pytestmark = pytest.mark.django_db


def square(lon, lat, size):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return GEOSGeometry(
        memoryview(parse_zone({"type": "Polygon", "coordinates": [ring]}).wkb), 4326
    )


@pytest.fixture
def cat():
    records = build_catalog()
    # No point, a protection zone near Changsha.
    Record.objects.filter(code="CS-B-0003").update(protection_zone=square(113.0, 28.0, 0.1))
    # No point, a control zone whose corner is (114.1, 23.1).
    Record.objects.filter(code="GD-V-0001").update(control_zone=square(114.0, 23.0, 0.1))
    # A point in Taiyuan (37.87, 112.55), its control zone east of it.
    Record.objects.filter(code="TY-B-0002").update(control_zone=square(112.6, 37.8, 0.1))
    cache.clear()
    return records


def api_codes(client, **params) -> list[str]:
    response = client.get("/api/v1/records/", params | {"page_size": 100})
    assert response.status_code == 200, response.content
    return sorted(r["code"] for r in response.json()["results"])


def page_codes(client, **params) -> list[str]:
    response = client.get("/", params)
    assert response.status_code == 200
    return sorted(r.code for r in response.context["records"])


# (bbox, the codes it keeps): expectations written by hand from the fixture's coordinates.
CASES = [
    ("112.1,37.1,112.3,37.3", ["HC-140728", "JZ-B-0001", "JZ-D-0001"]),  # three points
    ("112.18,37.2,113,38", ["HC-140728", "TY-B-0002"]),  # 平遥 on the SW corner
    ("111,36,112.18,37.2", ["HC-140728", "JZ-D-0001"]),  # 平遥 on the NE corner, 37.2 on the N edge
    ("112.62,37.82,112.8,38", ["TY-B-0002"]),  # the zone alone: the point is west of the box
    ("113.05,28.05,114,29", ["CS-B-0003"]),  # a zone, no point
    ("114.1,23.1,115,24", ["GD-V-0001"]),  # the zone's corner touches the box's corner
    ("114.1000001,23.1,115,24", []),  # just beyond it
    ("114.0,22.0,114.05,23.0", ["GD-V-0001"]),  # touching the zone's lower edge
    (
        "-180,-90,180,90",
        ["BJ-B-0798", "CS-B-0003", "GD-V-0001", "HC-140728", "JZ-B-0001", "JZ-D-0001", "TY-B-0002"],
    ),  # fmt: skip
    ("0,0,1,1", []),
]


@pytest.mark.parametrize("box,expected", CASES)
def test_api_and_page_keep_what_the_box_says(client, cat, box, expected):
    assert api_codes(client, bbox=box) == expected
    assert page_codes(client, bbox=box) == expected
    points = client.get("/search/points/", {"bbox": box}).json()
    located = [c for c in expected if cat[c].lat is not None]
    assert sorted(p[0] for p in points["points"]) == located


def test_the_box_combines_with_q_and_the_filters(client, cat):
    wide = "110,36,113,38.5"  # Pingyao and Taiyuan
    assert api_codes(client, bbox=wide) == ["HC-140728", "JZ-B-0001", "JZ-D-0001", "TY-B-0002"]
    assert api_codes(client, bbox=wide, q="宗祠") == ["JZ-B-0001", "TY-B-0002"]
    assert page_codes(client, bbox=wide, q="宗祠") == ["JZ-B-0001", "TY-B-0002"]
    assert api_codes(client, bbox=wide, q="zszc") == ["JZ-B-0001"]
    assert api_codes(client, bbox=wide, kind="building") == ["JZ-B-0001", "TY-B-0002"]
    assert page_codes(client, bbox=wide, kind="building", q="宗祠", region="140000") == [
        "JZ-B-0001",
        "TY-B-0002",
    ]
    assert api_codes(client, bbox=wide, status="revoked") == ["TY-B-0002"]
    assert api_codes(client, bbox=wide, region="140700") == ["HC-140728", "JZ-B-0001", "JZ-D-0001"]
    assert api_codes(client, bbox=wide, level="national") == ["HC-140728"]
    assert api_codes(client, bbox=wide, parent="JZ-D-0001") == ["JZ-B-0001"]
    assert api_codes(client, bbox="113,28,113.5,28.5", q="天心阁") == ["CS-B-0003"]
    assert api_codes(client, bbox="113,28,113.5,28.5", q="宗祠") == []


BAD = [
    "1,2,3",
    "1,2,3,4,5",
    "",  # empty is "no filter": checked apart below
    "a,b,c,d",
    "nan,0,1,1",
    "inf,0,1,1",
    "1e2,0,120,1",
    "0x10,0,20,1",
    "1_0,0,20,1",
    "112,37,112,38",  # minlon == maxlon
    "113,37,112,38",  # minlon > maxlon
    "112,38,113,37",  # minlat > maxlat
    "-181,0,1,1",
    "0,0,181,1",
    "0,-91,1,1",
    "0,0,1,90.5",
    "1" * 400 + ",0,1,1",
    "1,,2,3",
    ",,,",
]


@pytest.mark.parametrize("box", [b for b in BAD if b])
def test_a_bad_box_is_a_400_with_a_reason(client, cat, box):
    response = client.get("/api/v1/records/", {"bbox": box})
    assert response.status_code == 400
    assert "bbox" in response.json()
    page = client.get("/", {"bbox": box})
    assert page.status_code == 400
    assert "地图范围" in page.content.decode() or "bbox" in page.content.decode()
    assert client.get("/search/points/", {"bbox": box}).status_code == 400
    assert client.get("/search/csv/", {"bbox": box}).status_code == 400


def test_the_reasons_say_what_is_wrong(client, cat):
    def reason(box):
        return " ".join(client.get("/api/v1/records/", {"bbox": box}).json()["bbox"])

    assert "四个数" in reason("1,2,3")
    assert "经度" in reason("-181,0,1,1")
    assert "纬度" in reason("0,-91,1,1")
    assert "小于" in reason("113,37,112,38")
    english = client.get("/api/v1/records/", {"bbox": "1,2,3"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    page = client.get("/", {"bbox": "113,37,112,38"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert "less than" in page.content.decode()


def test_an_empty_box_is_no_filter(client, cat):
    assert len(api_codes(client, bbox="")) == 7


def test_the_page_shows_the_box_as_a_chip_that_lifts_it(client, cat):
    response = client.get("/", {"bbox": "110,36,113,38.5", "kind": "building"})
    chips = {f["label"]: f for f in response.context["active"]}
    assert chips["地图范围"]["value"] == "110,36,113,38.5"
    assert chips["地图范围"]["remove"] == "?kind=building"
    assert "bbox=110%2C36%2C113%2C38.5" in response.context["points_url"]


def _plan(queryset) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A handful of rows: the planner would scan the table. Off, it shows which
            # indexes it can use, the ones it uses at a million rows.
            cursor.execute("SET LOCAL enable_seqscan = off")
            return queryset.explain()
    return queryset.explain()


def _spatial_indexes() -> list[str]:
    if connection.vendor == "sqlite":
        return [f"idx_registry_record_{f}" for f in bbox.ZONE_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_record'"
            " AND indexdef LIKE '%%USING gist%%' ORDER BY indexdef"
        )
        names = [r[0] for r in cursor.fetchall()]
    assert len(names) == 2
    return names


def test_the_plan_reads_the_indexes(cat):
    box = bbox.parse("112.1,37.1,112.3,37.3")
    plan = _plan(bbox.in_box(catalog().order_by(), box).values("pk"))
    assert "record_lat_lon" in plan, plan
    for name in _spatial_indexes():
        assert name in plan, plan
    if connection.vendor == "sqlite":
        assert "SCAN registry_record" not in plan.replace("SCAN registry_record USING", ""), plan


def test_the_count_with_another_filter_still_reads_the_indexes(cat):
    box = bbox.parse("112.1,37.1,112.3,37.3")
    # (Not kind: an index of its own, which the planner may rightly prefer on a few rows.)
    plan = _plan(bbox.in_box(catalog().filter(level="municipal").order_by(), box).values("pk"))
    assert "record_lat_lon" in plan, plan
    for name in _spatial_indexes():
        assert name in plan, plan


def test_the_box_is_written_back_as_given():
    assert str(bbox.parse("112.1234,37.0001,112.3,37.3")) == "112.1234,37.0001,112.3,37.3"
    assert str(bbox.parse(" -0.5 ,-10, 0.25,+1")) == "-0.5,-10,0.25,1"
