"""The zone validator and writer (registry/zones/geometry.py): the spec's Geometry rules with the
reason each refusal names, RFC 7946 orientation, and WKB both ways, byte for byte with what each
database gives back."""

import struct

import pytest
from django.db import connection

from registry.zones.geometry import (
    MAX_POSITIONS,
    ZoneError,
    from_wkb,
    parse_zone,
    signed_area,
    zone_from_wkb,
)

SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]  # counter-clockwise
HOLE = [[0.2, 0.2], [0.2, 0.4], [0.4, 0.4], [0.4, 0.2], [0.2, 0.2]]  # clockwise


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def refused(value) -> str:
    with pytest.raises(ZoneError) as caught:
        parse_zone(value)
    return caught.value.reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([1, 2], "must be a GeoJSON Polygon or MultiPolygon object, not a list"),
        ({"type": "Polygon"}, "missing key coordinates"),
        ({"coordinates": [SQUARE]}, "missing key type"),
        (
            {**polygon(SQUARE), "bbox": [0, 0, 1, 1]},
            "unknown key bbox: a geometry has only type and coordinates",
        ),
        (
            {**polygon(SQUARE), "crs": {}},
            "unknown key crs: a geometry has only type and coordinates",
        ),
        (
            {"type": "Point", "coordinates": [1, 2]},
            'type must be Polygon or MultiPolygon, not "Point"',
        ),
        ({"type": "polygon", "coordinates": [SQUARE]}, "type must be Polygon or MultiPolygon, not"),
        (polygon(), "a Polygon has no ring"),
        ({"type": "MultiPolygon", "coordinates": []}, "a MultiPolygon has no polygon"),
        (
            {"type": "Polygon", "coordinates": "x"},
            "coordinates must be a list of rings, not a string",
        ),
        (polygon(SQUARE[:4]), "ring 1 is not closed"),
        (polygon(SQUARE, HOLE[:4]), "ring 2 is not closed"),
        (polygon([[0, 0], [1, 1], [0, 0]]), "ring 1 has 3 positions: a ring needs at least 4"),
        (polygon([[0, 0], [1, 0, 5], [1, 1], [0, 0]]), "ring 1 position 2 must be [lon, lat]"),
        (polygon([[0, 0], [1, "0"], [1, 1], [0, 0]]), "ring 1 position 2 must be [lon, lat]"),
        (polygon([[0, 0], [1, True], [1, 1], [0, 0]]), "ring 1 position 2 must be [lon, lat]"),
        (polygon([[0, 0], [181, 0], [1, 1], [0, 0]]), "ring 1 position 2: longitude 181 is not"),
        (polygon([[0, 0], [1, -90.5], [1, 1], [0, 0]]), "ring 1 position 2: latitude -90.5 is not"),
        (
            {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE[:4]]]},
            "polygon 2 ring 1 is not closed",
        ),
        # The OGC rules, from GEOS, with where.
        (polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]), "self-intersection near [0.5, 0.5]"),
        (
            polygon(SQUARE, [[2, 2], [3, 2], [3, 3], [2, 2]]),
            "hole lies outside shell near [2.0, 2.0]",
        ),
        (
            {
                "type": "MultiPolygon",
                "coordinates": [[SQUARE], [[[0.5, 0.5], [2, 0.5], [2, 2], [0.5, 2], [0.5, 0.5]]]],
            },
            "self-intersection near [1.0, 0.5]",
        ),
    ],
)
def test_every_invalid_geometry_is_refused_with_its_reason(value, reason):
    assert refused(value).startswith(reason)


def test_too_many_positions_is_refused_before_reading_them_all():
    ring = [[i * 1e-6, 0] for i in range(MAX_POSITIONS)] + [[0, 1e-3], [0, 0]]
    assert refused(polygon(ring)) == "more than 100,000 positions in one geometry"


def test_rings_are_oriented_as_rfc_7946_asks():
    clockwise_shell = SQUARE[::-1]
    counter_clockwise_hole = HOLE[::-1]
    zone = parse_zone(polygon(clockwise_shell, counter_clockwise_hole))
    shell, hole = zone.polygons[0]
    assert signed_area(shell) > 0 and signed_area(hole) < 0
    assert zone.geojson() == {
        "type": "Polygon",
        "coordinates": [[list(map(float, p)) for p in SQUARE], [list(map(float, p)) for p in HOLE]],
    }


def test_types_are_kept():
    multi = parse_zone({"type": "MultiPolygon", "coordinates": [[SQUARE]]})
    assert multi.type == "MultiPolygon"
    assert multi.geojson()["coordinates"] == [[[list(map(float, p)) for p in SQUARE]]]
    assert parse_zone(polygon(SQUARE)).type == "Polygon"


def test_wkb_reads_back_in_either_byte_order():
    zone = parse_zone(polygon(SQUARE, HOLE))
    assert from_wkb(zone.wkb) == ("Polygon", [zone.polygons[0]])
    # The same polygon big-endian, with an EWKB SRID, as another writer might give it.
    rings = zone.polygons[0]
    big = struct.pack(">BII", 0, 3 | 0x20000000, 4326) + struct.pack(">I", len(rings))
    for ring in rings:
        big += struct.pack(f">I{2 * len(ring)}d", len(ring), *[c for p in ring for c in p])
    assert zone_from_wkb(big) == zone


def test_a_stored_ring_in_the_wrong_orientation_is_written_right():
    wrong = struct.pack("<BII", 1, 3, 1) + struct.pack(
        "<I10d", 5, *[c for p in SQUARE[::-1] for c in p]
    )
    assert zone_from_wkb(wrong).geojson()["coordinates"][0] == [list(map(float, p)) for p in SQUARE]


@pytest.mark.django_db
def test_each_database_gives_back_the_bytes_it_was_given():
    zone = parse_zone(
        {
            "type": "MultiPolygon",
            "coordinates": [[SQUARE, HOLE], [[[5, 5], [6, 5], [6, 6], [5, 5]]]],
        }
    )
    prefix = "ST_" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cur:
        cur.execute(f"SELECT {prefix}AsBinary({prefix}GeomFromWKB(%s, 4326))", [zone.wkb])
        assert bytes(cur.fetchone()[0]) == zone.wkb
