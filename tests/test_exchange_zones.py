"""protection_zone / control_zone in the exchange format (exchange.md, Geometry, Export,
Versions): every invalid geometry refused with its reason and nothing written, any orientation
taken and RFC 7946's written, the same bytes after a round trip on either engine, a second
import of the same file changes nothing, GeoJSON features for the zones, backups keep them."""

import io
import json
import math

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.management import call_command
from django.db import connection

from registry.exchange import blocks
from registry.models import Plaque, Record, Survey
from registry.zones.geometry import MAX_POSITIONS, parse_zone

from .exchange_helpers import building, city, district, jsonl, run_export, run_import, write

pytestmark = pytest.mark.django_db

# Clockwise exterior (north, east, south, west) and a counter-clockwise hole: the reverse of
# what RFC 7946 asks, so every export must turn both rings round.
SQUARE_CW = [[112.0, 37.0], [112.0, 37.1], [112.1, 37.1], [112.1, 37.0], [112.0, 37.0]]
HOLE_CCW = [[112.02, 37.02], [112.08, 37.02], [112.08, 37.08], [112.02, 37.08], [112.02, 37.02]]
POLYGON = {"type": "Polygon", "coordinates": [SQUARE_CW, HOLE_CCW]}
FAR = [[113.0, 38.0], [113.2, 38.0], [113.2, 38.2], [113.0, 38.2], [113.0, 38.0]]
MULTI = {"type": "MultiPolygon", "coordinates": [[SQUARE_CW, HOLE_CCW], [FAR]]}
# Full-precision coordinates, as a GIS writes them: they must come back to the last digit.
FINE = [[112.123456789012, 37.1], [112.2, 37.123456789012], [112.2, 37.2], [112.123456789012, 37.1]]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def square(x, y, size=0.1):
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def circle(n: int) -> list:
    """A ring of n positions (closed), full-precision coordinates."""
    ring = [
        [112.5 + 0.1 * math.cos(2 * math.pi * i / (n - 1)) + 1e-13 * i,
         37.5 + 0.1 * math.sin(2 * math.pi * i / (n - 1))]
        for i in range(n - 1)
    ]  # fmt: skip
    return [*ring, ring[0]]


# (geometry, the reason the import gives): every refusal the spec names.
INVALID = [
    (polygon(SQUARE_CW, HOLE_CCW[:-1] + [[112.03, 37.02]]), "ring 2 is not closed"),
    (polygon(SQUARE_CW[:2] + [SQUARE_CW[0]]), "ring 1 has 3 positions: a ring needs at least 4"),
    ({"type": "Point", "coordinates": [112.0, 37.0]},
     'type must be Polygon or MultiPolygon, not "Point"'),
    ({**POLYGON, "bbox": [112, 37, 112.1, 37.1]},
     "unknown key bbox: a geometry has only type and coordinates"),
    ({**POLYGON, "crs": None}, "unknown key crs: a geometry has only type and coordinates"),
    ({"coordinates": [SQUARE_CW]}, "missing key type"),
    (polygon([SQUARE_CW[0], [112.0, 37.1, 5], *SQUARE_CW[2:]]),
     "ring 1 position 2 must be [lon, lat], not [112.0, 37.1, 5]"),
    (polygon([[181, 37], [112, 38], [113, 38], [181, 37]]),
     "ring 1 position 1: longitude 181 is not in [-180, 180]"),
    (polygon([[112, 37], [112, 38], [113, -91], [112, 37]]),
     "ring 1 position 3: latitude -91 is not in [-90, 90]"),
    (polygon([[112, 37], [113, 38], [113, 37], [112, 38], [112, 37]]),
     "self-intersection near [112.5, 37.5]"),
    (polygon(SQUARE_CW, square(113.0, 38.0)), "hole lies outside shell near [113.0, 38.0]"),
    ({"type": "MultiPolygon", "coordinates": [[SQUARE_CW], [square(112.05, 37.05)]]},
     "self-intersection near [112.1, 37.05]"),
    (polygon([[112.0 + i * 1e-6, 37.0] for i in range(MAX_POSITIONS + 1)]),
     "more than 100,000 positions in one geometry"),
    ([SQUARE_CW], "must be a GeoJSON Polygon or MultiPolygon object, not a list"),
    ("POLYGON((112 37, 112 38, 113 38, 112 37))",
     "must be a GeoJSON Polygon or MultiPolygon object, not a string"),
    ({"type": "Polygon", "coordinates": []}, "a Polygon has no ring"),
    ({"type": "MultiPolygon", "coordinates": []}, "a MultiPolygon has no polygon"),
]  # fmt: skip


def _file(*records):
    return jsonl(city(), district(), *records)


def _empty_the_registry():
    Survey.objects.all().delete()
    Plaque.objects.all().delete()
    Record.objects.update(parent=None)
    Record.objects.all().delete()


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("line ")]


@pytest.mark.parametrize("parallel", [False, True])
def test_every_invalid_geometry_is_listed_with_its_reason_and_nothing_written(
    tmp_path, monkeypatch, parallel
):
    if parallel:  # validated in forked workers, as a file over 16 MB is: GEOS runs there too
        monkeypatch.setattr(blocks, "BLOCK_LINES", 3)
        monkeypatch.setattr(blocks, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(blocks.os, "cpu_count", lambda: 2)
    lines = [building(f"B{i}", protection_zone=zone) for i, (zone, _) in enumerate(INVALID)]
    lines.append(building("BC", control_zone=INVALID[0][0], protection_zone=POLYGON))
    lines.append(building("OK", protection_zone=POLYGON, control_zone=MULTI))
    ok, _, err = run_import(write(tmp_path, _file(*lines)))
    assert not ok
    expected = [f"line {i + 3}: protection_zone: {reason}" for i, (_, reason) in enumerate(INVALID)]
    expected.append(f"line {len(INVALID) + 3}: control_zone: ring 2 is not closed")
    assert _errors(err) == expected
    assert "line 3: protection_zone: ring 2 is not closed" in err  # the spec's own example
    assert f"{len(INVALID) + 1} invalid line(s)" in err
    assert not Record.objects.exists(), "all or nothing"


def test_blocks_of_long_lines_end_by_size_not_only_by_count(tmp_path, monkeypatch):
    """Lines of zones run to megabytes: a block of 2,000 of them would be gigabytes in flight."""
    lines = [building(f"B{i}", protection_zone=POLYGON) for i in range(5)]
    path = write(tmp_path, _file(*lines))
    monkeypatch.setattr(blocks, "BLOCK_BYTES", len(json.dumps(lines[0])) * 2)
    with path.open("rb") as stream:
        sizes = [len(block) for _, block, _ in blocks.read_blocks(stream)]
    assert len(sizes) > 1 and sum(sizes) == len(lines) + 2  # + their city and district
    ok, _, err = run_import(path)
    assert ok, err
    assert Record.objects.exclude(protection_zone=None).count() == 5


def test_a_zone_of_100000_positions_at_full_precision_imports(tmp_path):
    ring = circle(MAX_POSITIONS)
    line = building(protection_zone=polygon(ring), control_zone=polygon(ring))
    assert len(json.dumps(line)) > 7_000_000  # two of them: longer than lines used to be allowed
    ok, _, err = run_import(write(tmp_path, _file(line)))
    assert ok, err
    exported = json.loads(run_export().splitlines()[0])
    assert exported["code"] == "B1"
    assert exported["protection_zone"]["coordinates"] == [ring]  # counter-clockwise: kept


def test_rings_are_exported_as_rfc_7946_asks_and_types_kept(tmp_path):
    ok, _, err = run_import(
        write(tmp_path, _file(building(protection_zone=POLYGON, control_zone=MULTI)))
    )
    assert ok, err
    record = json.loads(run_export().splitlines()[0])
    assert list(record["protection_zone"]) == ["type", "coordinates"]
    assert record["protection_zone"] == {
        "type": "Polygon", "coordinates": [SQUARE_CW[::-1], HOLE_CCW[::-1]]
    }  # fmt: skip
    assert record["control_zone"] == {
        "type": "MultiPolygon", "coordinates": [[SQUARE_CW[::-1], HOLE_CCW[::-1]], [FAR]]
    }  # fmt: skip
    # A MultiPolygon of one polygon stays a MultiPolygon.
    one = {"type": "MultiPolygon", "coordinates": [[FAR]]}
    ok, _, err = run_import(write(tmp_path, _file(building(protection_zone=one)), "b.jsonl"))
    assert ok, err
    assert json.loads(run_export().splitlines()[0])["protection_zone"] == one


# What the export writes for these records on either engine (the bytes the spec fixes): a
# file exported by SQLite imports into PostgreSQL and exports the same, and the other way.
GOLDEN = (
    '{"kind":"building","code":"B1","name":"张氏宗祠","name_en":null,"level":"provincial",'
    '"region":"140728","parent":"D1","designated_on":"2015-03-01","revoked_on":null,'
    '"address":null,"lat":null,"lon":null,"era":null,"description":null,"description_en":null,'
    '"designation":null,"archive":null,"protection_zone":{"type":"Polygon","coordinates":'
    "[[[112.0,37.0],[112.1,37.0],[112.1,37.1],[112.0,37.1],[112.0,37.0]],[[112.02,37.02],"
    '[112.02,37.08],[112.08,37.08],[112.08,37.02],[112.02,37.02]]]},"control_zone":'
    '{"type":"MultiPolygon","coordinates":[[[[112.0,37.0],[112.1,37.0],[112.1,37.1],'
    "[112.0,37.1],[112.0,37.0]],[[112.02,37.02],[112.02,37.08],[112.08,37.08],[112.08,37.02],"
    "[112.02,37.02]]],[[[113.0,38.0],[113.2,38.0],[113.2,38.2],[113.0,38.2],[113.0,38.0]]]]},"
    '"plaques":[],"surveys":[]}\n'
)


def test_round_trip_is_byte_identical_and_a_second_import_changes_nothing(tmp_path):
    lines = [
        building(protection_zone=POLYGON, control_zone=MULTI),
        building("B2", lat=37.05, lon=112.05, control_zone=polygon(FINE)),
        building("B3", lat=37.2, lon=112.2),  # no zone
        district("D2", protection_zone=polygon([[112, 37], [113, 37], [113, 38], [112, 37]])),
    ]  # fmt: skip
    ok, out, err = run_import(write(tmp_path, _file(*lines)))
    assert ok, err
    first = run_export()
    assert first.splitlines(keepends=True)[0] == GOLDEN
    assert '"control_zone":{"type":"Polygon","coordinates":[[[112.123456789012,37.1],' in first
    assert '"coordinates":[[[112.0,37.0],[113.0,37.0],[113.0,38.0],[112.0,37.0]]]' in first
    ok, out, err = run_import(write(tmp_path, first.encode(), "again.jsonl"))
    assert ok, err
    assert "0 updated" in out, out
    _empty_the_registry()
    ok, out, err = run_import(write(tmp_path, first.encode(), "export.jsonl"))
    assert ok, err
    assert run_export() == first
    # The original file (clockwise rings, integers) also changes nothing: same WKB staged.
    ok, out, err = run_import(write(tmp_path, _file(*lines), "original.jsonl"))
    assert "0 updated" in out, out


def test_a_changed_or_removed_zone_is_an_update(tmp_path):
    assert run_import(write(tmp_path, _file(building(protection_zone=POLYGON))))[0]
    moved = polygon(square(112.0, 37.0, 0.2))
    ok, out, err = run_import(write(tmp_path, jsonl(building(protection_zone=moved)), "b.jsonl"))
    assert "1 updated" in out, out + err
    assert Record.objects.get(code="B1").protection_zone.area == pytest.approx(0.04)
    ok, out, err = run_import(write(tmp_path, jsonl(building()), "c.jsonl"))
    assert "1 updated" in out, out + err
    assert Record.objects.get(code="B1").protection_zone is None
    ok, out, err = run_import(write(tmp_path, jsonl(building(control_zone=MULTI)), "d.jsonl"))
    assert "1 updated" in out, out + err
    assert Record.objects.get(code="B1").control_zone.geom_type == "MultiPolygon"


def test_the_spatial_index_is_right_after_a_bulk_import_into_an_empty_registry(tmp_path):
    lines = [
        building(f"B{i}", protection_zone=polygon(square(100 + i, 30)), control_zone=MULTI)
        for i in range(30)
    ]
    ok, _, err = run_import(write(tmp_path, _file(*lines)))
    assert ok, err
    inside = Point(105.05, 30.05, srid=4326)
    found = Record.objects.filter(protection_zone__intersects=inside)
    assert list(found.values_list("code", flat=True)) == ["B5"]
    far = Point(113.1, 38.1, srid=4326)
    assert Record.objects.filter(control_zone__intersects=far).count() == 30
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            # SpatiaLite's triggers filled the R*Tree while the secondary indexes were dropped.
            for column in ("protection_zone", "control_zone"):
                cur.execute("SELECT CheckSpatialIndex('registry_record', %s)", [column])
                assert cur.fetchone()[0] == 1, column
            cur.execute(
                "SELECT r.code FROM registry_record r WHERE r.id IN (SELECT pkid FROM"
                " idx_registry_record_protection_zone WHERE xmin <= 105.05 AND xmax >= 105.05"
                " AND ymin <= 30.05 AND ymax >= 30.05)"
            )
            assert cur.fetchall() == [("B5",)]
            cur.execute("SELECT COUNT(*) FROM idx_registry_record_control_zone")
            assert cur.fetchone()[0] == 30


def test_a_version_1_file_still_imports(tmp_path):
    v1 = {"kind": "building", "code": "B1", "name": "张氏宗祠", "level": "provincial",
          "region": "140728", "parent": "D1", "designated_on": "2015-03-01", "revoked_on": None,
          "address": None, "lat": 37.2, "lon": 112.1, "plaques": [], "surveys": []}  # fmt: skip
    ok, _, err = run_import(write(tmp_path, _file(v1)))
    assert ok, err
    record = json.loads(run_export().splitlines()[0])
    assert record["protection_zone"] is None and record["control_zone"] is None


def test_geojson_has_a_feature_per_zone_and_records_without_a_point(tmp_path):
    lines = [
        building(lat=37.05, lon=112.05, protection_zone=POLYGON, control_zone=MULTI),
        building("B2", control_zone=polygon(FAR)),  # a zone, no point
        building("B3"),  # neither: not on a map
    ]
    assert run_import(write(tmp_path, _file(*lines)))[0]
    features = json.loads(run_export("--format", "geojson"))["features"]
    shapes = [(f["properties"]["code"], f["geometry"]["type"], f["properties"].get("zone"))
              for f in features]  # fmt: skip
    assert shapes == [
        ("B1", "Point", None),
        ("B1", "Polygon", "protection"),
        ("B1", "MultiPolygon", "control"),
        ("B2", "Polygon", "control"),
    ]
    assert features[1]["properties"] == {
        "code": "B1", "name": "张氏宗祠", "kind": "building", "level": "provincial",
        "zone": "protection",
    }  # fmt: skip
    assert features[1]["geometry"] == json.loads(run_export().splitlines()[0])["protection_zone"]
    assert "zone" not in features[0]["properties"]


def test_zones_survive_a_backup_and_restore(tmp_path, settings):
    import secrets

    from .test_backup import empty_the_registry

    settings.HERITAGE_BACKUP_KEY = secrets.token_urlsafe(32)
    assert run_import(write(tmp_path, _file(building(protection_zone=POLYGON))))[0]
    # A zone saved through the ORM (the admin's path) is backed up the same way.
    zone = parse_zone(MULTI)
    Record.objects.filter(code="D1").update(control_zone=GEOSGeometry(memoryview(zone.wkb), 4326))
    before = run_export()
    assert before.count('"type":"MultiPolygon"') == 1
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    empty_the_registry()
    assert run_export() == ""
    call_command("restore_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert run_export() == before
    assert Record.objects.get(code="D1").control_zone.geom_type == "MultiPolygon"


def test_the_catalog_geojson_download_has_the_zones_too(client, tmp_path, monkeypatch):
    from registry import record_downloads

    monkeypatch.setattr(record_downloads, "CHUNK", 2)  # features of one record across chunks
    lines = [
        building(lat=37.05, lon=112.05, protection_zone=POLYGON, control_zone=MULTI),
        building("B2", control_zone=polygon(FAR)),  # a zone, no point
        building("B3"),  # neither
        building("B4", lat=37.2, lon=112.2),
    ]
    assert run_import(write(tmp_path, _file(*lines)))[0]
    exported = json.loads(run_export().splitlines()[0])
    for url in ("/search/geojson/?q=宗祠", "/api/v1/records/download/?format=geojson&q=宗祠"):
        response = client.get(url)
        assert response.status_code == 200
        features = json.loads(b"".join(response.streaming_content))["features"]
        shapes = [(f["properties"]["code"], f["geometry"]["type"], f["properties"].get("zone"))
                  for f in features]  # fmt: skip
        assert shapes == [
            ("B1", "Point", None),
            ("B1", "Polygon", "protection"),
            ("B1", "MultiPolygon", "control"),
            ("B2", "Polygon", "control"),
            ("B4", "Point", None),
        ]
        assert features[1]["geometry"] == exported["protection_zone"]  # RFC 7946 orientation
        assert features[2]["properties"] == {
            "code": "B1", "name": "张氏宗祠", "kind": "building", "level": "provincial",
            "zone": "control",
        }  # fmt: skip


def test_the_change_log_holds_the_imported_zones_as_python_would_log_them(tmp_path):
    from registry.models import ChangeLog
    from registry.services import audit

    assert run_import(write(tmp_path, _file(building(protection_zone=POLYGON))))[0]
    record = Record.objects.get(code="B1")
    entry = ChangeLog.objects.filter(object_id=record.pk, object_type="registry.record").last()
    assert entry.after == audit.snapshot(record)  # SQL and Python write the same JSON
    assert entry.after["protection_zone"] == parse_zone(POLYGON).wkb.hex().upper()
    assert entry.after["control_zone"] is None
