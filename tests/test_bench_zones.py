"""bench/zones.py's own logic on a small registry: the points it picks, how it asks the two
endpoints by URL (here stand-ins written below, so the logic is tested whatever the real
endpoints' state), its skip when one is missing, its lines, and the file without zones."""

import datetime
import json
import random

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point
from django.http import HttpResponseNotFound, JsonResponse
from django.urls import include, path

from bench import zones as bench
from registry.demo.generator import write_demo
from registry.demo.zones import ZoneDrawer
from registry.models import Record
from registry.zones.geometry import parse_zone

PAST = datetime.date(2010, 1, 1)
TODAY = datetime.date(2026, 12, 1)


def geometry(zone: dict) -> GEOSGeometry:
    return GEOSGeometry(memoryview(parse_zone(zone).wkb), srid=4326)


def zoned(record: Record, **zones) -> Record:
    """The zones written by update(), as the importer writes them: no change-log snapshot
    (whose JSON cannot hold a geometry on SQLite yet)."""
    Record.objects.filter(pk=record.pk).update(**zones)
    record.refresh_from_db()
    return record


@pytest.fixture
def registry(db) -> dict[str, Record]:
    """Twelve districts with both zones around Pingyao; one revoked, one designated only in
    the future (neither protects today); buildings with and without a zone."""
    draw = ZoneDrawer(random.Random(5).random)
    made = {}
    for n in range(12):
        lat, lon = 37.1 + n * 0.02, 112.1 + n * 0.02
        protection, control = draw.district(lat, lon)
        fields = {"designated_on": PAST}
        if n == 10:
            fields["revoked_on"] = datetime.date(2020, 1, 1)
        if n == 11:
            fields["designated_on"] = datetime.date(2099, 1, 1)
        record = Record.objects.create(
            code=f"D{n}", kind="district", name=f"街区{n}", level="provincial",
            region_id="140728", lat=lat, lon=lon, **fields,
        )  # fmt: skip
        made[record.code] = zoned(
            record, protection_zone=geometry(protection), control_zone=geometry(control)
        )
    for n in range(20):
        lat, lon = 37.3 + n * 0.001, 112.4
        zone = draw.building(lat, lon) if n % 2 else None
        record = Record.objects.create(
            code=f"B{n}", kind="building", name=f"建筑{n}", level="municipal",
            region_id="140728", lat=lat, lon=lon, designated_on=PAST,
        )  # fmt: skip
        made[record.code] = (
            record if zone is None else zoned(record, protection_zone=geometry(zone))
        )
    return made


def test_inside_points_lie_in_the_zones_of_records_that_protect_today(registry):
    points = bench.inside_points(300, random.Random(1), TODAY)
    assert len(points) == 300
    codes = set()
    for lat, lon, code, zone in points:
        assert code not in ("D10", "D11")  # revoked, designated in the future
        record = registry[code]
        assert getattr(record, f"{zone}_zone").intersects(Point(lon, lat, srid=4326))
        codes.add((code, zone))
    assert {"protection", "control"} == {zone for _, zone in codes}
    assert any(code.startswith("B") for code, _ in codes)


def test_no_zone_no_inside_points(db):
    assert bench.inside_points(10, random.Random(1), TODAY) == []


# Stand-ins for the endpoints of docs/spec/protection.md, asked by URL as the bench asks.
def protection_view(request):
    point = Point(float(request.GET["lon"]), float(request.GET["lat"]), srid=4326)
    results = [
        {"code": code, "zone": key.removesuffix("_zone")}
        for key in bench.ZONES
        for code in Record.objects.filter(**{f"{key}__intersects": point})
        .order_by("code")
        .values_list("code", flat=True)
    ]
    return JsonResponse({"results": results})


def records_view(request):
    minlon, minlat, maxlon, maxlat = (float(v) for v in request.GET["bbox"].split(","))
    if minlon >= maxlon or minlat >= maxlat:
        return JsonResponse({"bbox": "upside down"}, status=400)
    found = Record.objects.filter(lat__range=(minlat, maxlat), lon__range=(minlon, maxlon))
    if request.GET.get("kind"):
        found = found.filter(kind=request.GET["kind"])
    return JsonResponse({"count": found.count(), "results": []})


def ignoring_view(request):
    return JsonResponse({"count": Record.objects.count(), "results": []})


urlpatterns = [
    path("api/v1/protection/", protection_view),
    path("api/v1/records/", records_view),
]


class IgnoringUrls:  # a urlconf need not be a module
    urlpatterns = [
        path("api/v1/protection/", lambda request: HttpResponseNotFound()),
        path("api/v1/records/", ignoring_view),
        path("", include("heritage.urls")),
    ]


@pytest.mark.urls(__name__)
def test_the_protection_check_times_every_point_and_finds_the_inside_ones(registry, client):
    rng = random.Random(2)
    points = bench.inside_points(40, rng, TODAY) + bench.anywhere_points(40, rng)
    out = bench.protection_check(client, points)
    assert out["points"] == 80 and out["inside_points"] == 40
    assert out["inside_found"] == 40 and out["errors"] == 0
    assert 40 <= out["points_with_results"] < 80
    assert 0 < out["median_ms"] <= out["p95_ms"] <= out["max_ms"]
    line = bench.report({"protection": out, "bbox": {"skipped": "x"}})[0]
    assert line.startswith("protection check: median ") and "40/40 points inside" in line
    assert "(goal: median <= 20 ms)" in line


@pytest.mark.urls(__name__)
def test_the_area_filter_is_timed_with_its_count_around_the_densest_county(registry, client):
    region, box = bench.dense_box()
    assert region == "140728"
    minlon, minlat, maxlon, maxlat = box
    assert round(maxlon - minlon, 3) == round(maxlat - minlat, 3) == bench.BOX_DEGREES
    out = bench.area_filter(client, box)
    inside = Record.objects.filter(lat__range=(minlat, maxlat), lon__range=(minlon, maxlon))
    assert out["box"]["count"] == inside.count() > 0
    assert out["box & kind=district"]["count"] == inside.filter(kind="district").count()
    lines = bench.report({"protection": {"skipped": "x"}, "bbox": {"county": region, **out}})
    assert lines[1].startswith(f"area filter box {out['bbox']} (around county 140728): ")
    assert lines[1].endswith("(goal <= 50 ms)")


def test_a_missing_endpoint_is_skipped_with_a_clear_line(registry, client, settings):
    settings.ROOT_URLCONF = IgnoringUrls  # no protection endpoint, a catalog without bbox
    points = bench.inside_points(5, random.Random(3), TODAY)
    assert bench.protection_check(client, points) == {"skipped": bench.MISSING}
    out = bench.area_filter(client, bench.dense_box()[1])
    assert out["skipped"].startswith("endpoint missing (bbox upside down answered 200)")
    lines = bench.report({"protection": {"skipped": bench.MISSING}, "bbox": out})
    assert lines[0] == "protection check: endpoint missing (/api/v1/protection/)"
    assert lines[1].startswith("area filter: endpoint missing")


def test_the_file_without_zones_is_the_same_file_with_its_zones_nulled(tmp_path):
    source, bare = tmp_path / "demo.jsonl", tmp_path / "bare.jsonl"
    with source.open("w", encoding="utf-8") as out:
        write_demo(out, buildings=300, seed=4)
    zoned = bench.write_without_zones(source, bare)
    before = source.read_text(encoding="utf-8").splitlines()
    after = bare.read_text(encoding="utf-8").splitlines()
    assert len(before) == len(after) and zoned > 10
    changed = 0
    for line, stripped in zip(before, after, strict=True):
        record = json.loads(line)
        if record["protection_zone"] or record["control_zone"]:
            changed += 1
            record["protection_zone"] = record["control_zone"] = None
            assert json.loads(stripped) == record
        else:
            assert stripped == line  # the generator's encoding, byte for byte
    assert changed == zoned
    assert '"protection_zone":{' not in bare.read_text(encoding="utf-8")


def test_the_import_line_puts_the_ratio_beside_its_goal():
    out = {
        "protection": {"skipped": "x"},
        "bbox": {"skipped": "y"},
        "import": {
            "with_zones_s": 12.5, "without_zones_s": 10.0, "ratio": 1.25,
            "with_zones_runs_s": [12.5, 13.0], "without_zones_runs_s": [10.0, 11.0],
            "records_with_zones": 1234, "goal_ratio": 1.3,
        },
    }  # fmt: skip
    assert bench.report(out)[2] == (
        "import with zones 12.5 s vs zones nulled 10.0 s = 1.25x (fastest of 2 each; 1234 "
        "records with zones; goal <= 1.3x)"
    )
