"""The protection check (docs/spec/protection.md): which records' zones contain a point as of a
day, through the query, the API and the page; the 400s; the plans that keep it fast (each
zone's spatial index); the query budgets.

The expectations are written by hand from the fixture's squares (coordinates in whole degrees,
so that edges and vertices are exact), not computed by the code under test."""

import datetime
import re

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry.models import Record
from registry.zones.geometry import parse_zone
from registry.zones.protection import protection_check
from tests.catalog_builders import make
from tests.english_pages import leaks

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 1)


def square(x0, y0, x1, y1) -> list:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def zone(kind: str, coordinates) -> GEOSGeometry:
    """As every writer must: through the one validator (RFC 7946 orientation, valid)."""
    parsed = parse_zone({"type": kind, "coordinates": coordinates})
    return GEOSGeometry(memoryview(parsed.wkb), srid=4326)


def polygon(*rings) -> GEOSGeometry:
    return zone("Polygon", list(rings))


def record(code, *, designated="2000-01-01", revoked=None, protection=None, control=None):
    return make(
        code,
        "building",
        f"测试{code}",
        designated_on=designated and datetime.date.fromisoformat(designated),
        revoked_on=revoked and datetime.date.fromisoformat(revoked),
        protection_zone=protection,
        control_zone=control,
    )


@pytest.fixture
def zones():
    # A square with a square hole.
    record("HOLE", protection=polygon(square(0, 0, 10, 10), square(4, 4, 6, 6)))
    # Two squares sharing the edge lon = 22 (and the vertices (22, 0), (22, 2)).
    record("EDGE-L", protection=polygon(square(20, 0, 22, 2)))
    record("EDGE-R", protection=polygon(square(22, 0, 24, 2)))
    # Designated 2000-01-01, revoked 2020-06-01.
    record("REVOKED", revoked="2020-06-01", protection=polygon(square(30, 0, 32, 2)))
    # On the preliminary list: never designated.
    record("CANDIDATE", designated=None, control=polygon(square(40, 0, 42, 2)))
    # Designated after DAY.
    record("LATE", designated="2030-01-01", protection=polygon(square(50, 0, 52, 2)))
    # Two parts: [60, 61] and [62, 63].
    multi = zone("MultiPolygon", [[square(60, 0, 61, 1)], [square(62, 0, 63, 1)]])
    record("MULTI", protection=multi)
    # A protection zone inside its own control zone.
    record("BOTH", protection=polygon(square(70, 0, 71, 1)), control=polygon(square(69, -1, 72, 2)))
    # Codes in code-point order: "B-1" < "M-1" < "Z-1" < "a-1" (capitals before small letters).
    cell = polygon(square(80, 0, 81, 1))
    record("a-1", protection=cell)
    record("Z-1", protection=cell)
    record("M-1", control=cell)
    record("B-1", control=cell)
    # No zone at all; and one far away.
    record("NONE")
    record("FAR", protection=polygon(square(100, 40, 101, 41)))
    # GeoDjango asks SpatiaLite for its RTTOPO version the first time a connection compiles
    # AsWKB (then remembers it): not a query of the check's, so not in the budgets below.
    protection_check(lat=0, lon=0, as_of=DAY, geometry=True)


# (lat, lon, as_of, [(code, zone, status)]): written from the fixture above.
CASES = [
    (5, 5, DAY, []),  # in the hole
    (3, 3, DAY, [("HOLE", "protection", "designated")]),
    (4.5, 4, DAY, [("HOLE", "protection", "designated")]),  # on the hole's edge: the boundary
    (4, 4, DAY, [("HOLE", "protection", "designated")]),  # on a vertex of the hole
    (0, 0, DAY, [("HOLE", "protection", "designated")]),  # on the outer ring's vertex
    (10, 5, DAY, [("HOLE", "protection", "designated")]),  # on its top edge
    (10.000001, 5, DAY, []),  # just beyond it
    (1, 22, DAY, [("EDGE-L", "protection", "designated"), ("EDGE-R", "protection", "designated")]),
    (2, 22, DAY, [("EDGE-L", "protection", "designated"), ("EDGE-R", "protection", "designated")]),
    (1, 21.5, DAY, [("EDGE-L", "protection", "designated")]),
    (0, 20, DAY, [("EDGE-L", "protection", "designated")]),  # a corner
    (1, 31, datetime.date(2020, 5, 31), [("REVOKED", "protection", "designated")]),
    (1, 31, datetime.date(2020, 6, 1), []),  # revoked that day
    (1, 31, DAY, []),
    (1, 31, datetime.date(1999, 12, 31), []),  # not yet designated
    (1, 41, DAY, [("CANDIDATE", "control", "candidate")]),
    (1, 41, datetime.date(1900, 1, 1), [("CANDIDATE", "control", "candidate")]),
    (1, 51, DAY, []),  # designated after the day
    (1, 51, datetime.date(2030, 1, 1), [("LATE", "protection", "designated")]),
    (0.5, 62.5, DAY, [("MULTI", "protection", "designated")]),  # the second part
    (0.5, 60.5, DAY, [("MULTI", "protection", "designated")]),
    (0.5, 61.5, DAY, []),  # between the parts
    (0.5, 70.5, DAY, [("BOTH", "protection", "designated"), ("BOTH", "control", "designated")]),
    (1, 71, DAY, [("BOTH", "protection", "designated"), ("BOTH", "control", "designated")]),
    (1.5, 71.5, DAY, [("BOTH", "control", "designated")]),
    (0.5, 80.5, DAY, [("Z-1", "protection", "designated"), ("a-1", "protection", "designated"),
                      ("B-1", "control", "designated"), ("M-1", "control", "designated")]),
    (40.5, 100.5, DAY, [("FAR", "protection", "designated")]),
    (-45, -120, DAY, []),
    (90, 180, DAY, []),
]  # fmt: skip


def triples(results) -> list[tuple]:
    return [(r.code, r.zone, r.status) for r in results]


@pytest.mark.parametrize("lat,lon,as_of,expected", CASES)
def test_the_zones_that_contain_the_point(zones, lat, lon, as_of, expected):
    assert triples(protection_check(lat=lat, lon=lon, as_of=as_of)) == expected


@pytest.mark.parametrize("lat,lon,as_of,expected", CASES)
def test_the_api_answers_the_same(client, zones, lat, lon, as_of, expected):
    response = client.get("/api/v1/protection/", {"lat": lat, "lon": lon, "as_of": as_of})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["lat", "lon", "as_of", "results"]
    assert (body["lat"], body["lon"], body["as_of"]) == (lat, lon, as_of.isoformat())
    assert [(r["code"], r["zone"], r["status"]) for r in body["results"]] == expected
    for result in body["results"]:
        assert list(result) == ["code", "name", "kind", "level", "status", "zone"]
        assert (result["name"], result["kind"], result["level"]) == (
            f"测试{result['code']}", "building", "municipal",
        )  # fmt: skip


def test_the_geometry_is_the_zone_found(zones):
    (found,) = protection_check(lat=0.5, lon=62.5, as_of=DAY, geometry=True)
    assert found.geometry["type"] == "MultiPolygon"
    assert found.geometry["coordinates"][1] == [square(62, 0, 63, 1)]
    both = protection_check(lat=0.5, lon=70.5, as_of=DAY, geometry=True)
    assert [r.geometry["coordinates"][0][2] for r in both] == [[71, 1], [72, 2]]


def test_as_of_defaults_to_today(client, zones):
    body = client.get("/api/v1/protection/", {"lat": 1, "lon": 41}).json()
    assert body["as_of"] == timezone.localdate().isoformat()
    assert [r["status"] for r in body["results"]] == ["candidate"]


# --- Bad parameters ------------------------------------------------------------------------

BAD = [
    ({}, {"lat", "lon"}),
    ({"lat": "1"}, {"lon"}),
    ({"lon": "1"}, {"lat"}),
    ({"lat": "", "lon": ""}, {"lat", "lon"}),
    ({"lat": "91", "lon": "0"}, {"lat"}),
    ({"lat": "-90.0001", "lon": "0"}, {"lat"}),
    ({"lat": "0", "lon": "180.5"}, {"lon"}),
    ({"lat": "0", "lon": "-181"}, {"lon"}),
    ({"lat": "NaN", "lon": "0"}, {"lat"}),
    ({"lat": "nan", "lon": "inf"}, {"lat", "lon"}),
    ({"lat": "0", "lon": "-Infinity"}, {"lon"}),
    ({"lat": "1e999", "lon": "0"}, {"lat"}),
    ({"lat": "1" * 5000, "lon": "0"}, {"lat"}),
    ({"lat": "0." + "1" * 5000, "lon": "0"}, {"lat"}),
    ({"lat": "1_0", "lon": "0"}, {"lat"}),
    ({"lat": "0x10", "lon": "0"}, {"lat"}),
    ({"lat": "37°12′", "lon": "0"}, {"lat"}),
    ({"lat": "37,2", "lon": "0"}, {"lat"}),
    ({"lat": "名" * 3000, "lon": "0"}, {"lat"}),
    ({"lat": "1", "lon": "1", "as_of": "2020-02-30"}, {"as_of"}),
    ({"lat": "1", "lon": "1", "as_of": "2020-1-5"}, {"as_of"}),
    ({"lat": "1", "lon": "1", "as_of": "20200105"}, {"as_of"}),
    ({"lat": "1", "lon": "1", "as_of": "0000-01-01"}, {"as_of"}),
    ({"lat": "1", "lon": "1", "as_of": "9999-99-99"}, {"as_of"}),
    ({"lat": ["1", "2"], "lon": "1"}, {"lat"}),
    ({"lat": "1", "lon": "1", "as_of": ["2020-01-01", "2021-01-01"]}, {"as_of"}),
]


@pytest.mark.parametrize("params,fields", BAD)
def test_bad_parameters_are_a_400_naming_them(client, params, fields):
    response = client.get("/api/v1/protection/", params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == fields
    assert all(isinstance(m, str) and m for messages in body.values() for m in messages)
    page = client.get("/protection/", params)
    if "lat" in params or "lon" in params:
        assert page.status_code == 400
        assert 'class="errors" role="alert"' in page.content.decode()


def test_the_messages_say_what_is_wanted(client):
    body = client.get("/api/v1/protection/", {"lat": "95", "lon": "1", "as_of": "x"}).json()
    assert body == {
        "lat": ["纬度应为 -90 到 90 之间的十进制度数，如 37.2017。"],
        "as_of": ["日期应为 YYYY-MM-DD 格式的有效日期。"],
    }
    body = client.get("/api/v1/protection/", {"lat": ["1", "2"]}).json()
    assert body["lat"] == ["此参数只能给出一次。"] and "lon" in body
    english = client.get("/api/v1/protection/?lat=95&lon=1", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english == {"lat": ["Latitude must be decimal degrees from -90 to 90, e.g. 37.2017."]}


@pytest.mark.parametrize("query", ["lat=%00&lon=1", "lat=1&lon=1&as_of=%00", "lat=1%002&lon=1"])
def test_a_nul_is_refused_before_anything(client, query):
    assert client.get(f"/api/v1/protection/?{query}").status_code == 400
    assert client.get(f"/protection/?{query}").status_code == 400


@pytest.mark.parametrize(
    "value,number",
    [
        ("37.2017", 37.2017),
        ("-0", 0.0),
        (" 12.5 ", 12.5),
        ("1e-05", 1e-05),
        ("+90", 90.0),
        (".5", 0.5),
        ("90", 90.0),
        ("-90.0", -90.0),
    ],  # fmt: skip
)
def test_numbers_that_are_taken(client, value, number):
    response = client.get("/api/v1/protection/", {"lat": value, "lon": "180"})
    assert response.status_code == 200
    assert response.json()["lat"] == number and response.json()["lon"] == 180


# --- The spatial indexes -------------------------------------------------------------------


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # A handful of rows: a sequential scan is cheaper, and the planner would pick it. With
        # it priced out, the plan shows whether ST_Intersects can use the GiST index at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_each_zone_is_found_through_its_spatial_index(zones):
    with CaptureQueriesContext(connection) as queries:
        protection_check(lat=1, lon=22, as_of=DAY, geometry=True)
    (query,) = queries.captured_queries
    plan = _plan(query["sql"])
    for field in ("protection_zone", "control_zone"):
        if connection.vendor == "sqlite":
            # The R*Tree virtual table, searched by its box constraints (not a full scan).
            assert f"SCAN idx_registry_record_{field} VIRTUAL TABLE INDEX" in plan, plan
        else:
            indexes = [name for (name,) in _gist_indexes(field)]
            assert len(indexes) == 1
            assert re.search(rf"(Index Scan using|Bitmap Index Scan on) {indexes[0]}\b", plan), plan
            assert f"Index Cond: ({field} && " in plan, plan
    assert "SCAN registry_record" not in plan.replace("SCAN registry_record USING", "")


def _gist_indexes(field: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_record'"
            " AND indexdef LIKE %s",
            [f"%USING gist ({field})%"],
        )
        return cursor.fetchall()


# --- Query budgets ---------------------------------------------------------------------------


def test_one_query_for_the_api(client, zones, django_assert_num_queries):
    with django_assert_num_queries(1):
        body = client.get("/api/v1/protection/", {"lat": 0.5, "lon": 80.5}).json()
    assert len(body["results"]) == 4


def test_one_query_for_the_page(client, zones, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/protection/", {"lat": 0.5, "lon": 80.5})
    assert response.status_code == 200
    with django_assert_num_queries(0):
        assert client.get("/protection/").status_code == 200


# --- The page -------------------------------------------------------------------------------


def test_the_page_lists_and_embeds_the_zones_found(client, zones):
    response = client.get("/protection/", {"lat": 0.5, "lon": 70.5, "as_of": "2026-12-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert [(r["code"], r["zone"]) for r in response.context["results"]] == [
        ("BOTH", "protection"), ("BOTH", "control"),
    ]  # fmt: skip
    assert html.count('href="/records/BOTH/"') == 2
    assert "该位置在 2 处保护范围或建设控制地带内" in html
    assert "纬度 0.5，经度 70.5" in html and "截至 2026-12-01" in html
    assert 'data-lat="0.5" data-lon="70.5"' in html
    shapes = response.context["shapes"]
    assert [(s["code"], s["zone"], s["geometry"]["type"]) for s in shapes] == [
        ("BOTH", "protection", "Polygon"), ("BOTH", "control", "Polygon"),
    ]  # fmt: skip
    assert '<script id="protection-shapes" type="application/json">' in html
    # The printed page names itself: its public address.
    assert "http://127.0.0.1:8000/protection/?lat=0.5&amp;lon=70.5&amp;as_of=2026-12-01" in html


def test_the_printed_address_pins_the_day(client, zones):
    html = client.get("/protection/", {"lat": "0.50", "lon": "70.5"}).content.decode()
    today = timezone.localdate().isoformat()
    assert f"/protection/?lat=0.5&amp;lon=70.5&amp;as_of={today}</dd>" in html


def test_nothing_found_says_so(client, zones):
    html = client.get("/protection/", {"lat": 5, "lon": 5}).content.decode()
    assert "该位置不在名录登记的任何保护范围或建设控制地带内" in html
    assert "check-results" not in html


def test_the_empty_page_has_the_form_and_the_map(client):
    html = client.get("/protection/").content.decode()
    assert 'id="check-form"' in html and 'id="protection-map"' in html
    assert "data-lat" not in html and "check-answer" not in html
    assert 'aria-current="page">是否在保护范围内</a>' in html  # in the navigation
    html = client.get("/protection/", {"as_of": "2020-01-01"}).content.decode()
    assert 'name="as_of" value="2020-01-01"' in html and "check-answer" not in html


def test_a_name_is_data_never_markup(client, zones):
    Record.objects.filter(code="BOTH").update(name="<img src=x onerror=alert(1)></script>")
    html = client.get("/protection/", {"lat": 0.5, "lon": 70.5}).content.decode()
    assert "<img src=x" not in html
    assert "\\u003Cimg src=x onerror=alert(1)\\u003E\\u003C/script\\u003E" in html  # the JSON


def test_the_english_page(client, zones):
    client.cookies["django_language"] = "en"
    for params in ({}, {"lat": 0.5, "lon": 80.5}, {"lat": 5, "lon": 5}, {"lat": "x"}):
        response = client.get("/protection/", params)
        html = response.content.decode()
        assert '<html lang="en"' in html
        assert leaks(html) == [], params
    html = client.get("/protection/", {"lat": 0.5, "lon": 70.5}).content.decode()
    assert "Is this place protected?" in html
    assert "This place lies in 2 protection or construction-control zones" in html
    assert "Print" in html and "Protection zone" in html and "Construction control zone" in html


def test_a_vertex_to_the_last_digit(db):
    # Coordinates that WKT at 16 significant digits would round (0.30000000000000004 -> 0.3):
    # the zone is stored and the point compared as WKB, so the vertex is exactly on it.
    x, y = 112.17890123456789, 0.1 + 0.2
    record("EXACT", protection=polygon([[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]))
    assert triples(protection_check(lat=y, lon=x, as_of=DAY)) == [
        ("EXACT", "protection", "designated")
    ]
    assert protection_check(lat=y, lon=x - 1e-13, as_of=DAY) == []
    assert protection_check(lat=0.3 - 1e-16, lon=x + 0.5, as_of=DAY) == []
