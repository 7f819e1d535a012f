"""A zone's geometry (exchange.md, Geometry): the one validator and the one writer.

Every path that stores a protection or control zone (the exchange import, the admin's map and
file upload, the demo) passes its GeoJSON through `parse_zone`, which refuses anything the spec
refuses with the spec's kind of reason (`ring 2 is not closed`, `self-intersection near
[112.1, 37.2]`) and returns the geometry with its rings in RFC 7946 orientation (exterior
counter-clockwise, holes clockwise) as WKB, so that what the registry holds exports as the spec
asks and compares byte for byte on a second import.

The walk over the coordinates is plain Python (it must name the position that is wrong and
stop early on a huge input); the OGC validity test is GEOS's, in C. WKB is written and read
here with struct rather than through GEOS objects: the export reads a million rows and workers
render them without loading GEOS.
"""

import json
import math
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

MAX_POSITIONS = 100_000
ZONE_TYPES = ("Polygon", "MultiPolygon")
ZONE_KEYS = frozenset({"type", "coordinates"})
SRID = 4326

Ring = list[tuple[float, float]]
Polygon = list[Ring]


class ZoneError(ValueError):
    """Why a geometry is refused: the text after `protection_zone: ` in an error line."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Zone:
    """A valid zone: its GeoJSON type, its polygons (one for a Polygon) in RFC 7946 orientation,
    and the same as WKB (little-endian, 2D, no SRID: the database is told 4326)."""

    type: str
    polygons: tuple[Polygon, ...]
    wkb: bytes

    def geojson(self) -> dict:
        coordinates = [[[list(p) for p in ring] for ring in poly] for poly in self.polygons]
        return {
            "type": self.type,
            "coordinates": coordinates[0] if self.type == "Polygon" else coordinates,
        }

    @property
    def positions(self) -> int:
        return sum(len(ring) for poly in self.polygons for ring in poly)


# -- Reading GeoJSON ------------------------------------------------------------------------


def json_kind(value) -> str:
    """How an error names a decoded JSON value's kind ("a list", "an object"): the exchange
    importer's messages and the zone's say it alike."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


class _Walk:
    """Counts positions across the whole geometry, to stop at MAX_POSITIONS."""

    def __init__(self):
        self.positions = 0

    def ring(self, value, where: str) -> Ring:
        if type(value) is not list:
            raise ZoneError(f"{where} must be a list of positions, not {json_kind(value)}")
        self.positions += len(value)
        if self.positions > MAX_POSITIONS:
            raise ZoneError(f"more than {MAX_POSITIONS:,} positions in one geometry")
        ring = [_position(p, where, i) for i, p in enumerate(value, 1)]
        if len(ring) < 4:
            raise ZoneError(f"{where} has {len(ring)} positions: a ring needs at least 4")
        if ring[0] != ring[-1]:
            raise ZoneError(f"{where} is not closed")
        return ring

    def polygon(self, value, where: str) -> Polygon:
        """`where` is "" for a Polygon, "polygon N " inside a MultiPolygon."""
        if type(value) is not list:
            what = where or "coordinates "
            raise ZoneError(f"{what}must be a list of rings, not {json_kind(value)}")
        if not value:
            raise ZoneError(f"{where or 'a Polygon '}has no ring")
        return [self.ring(r, f"{where}ring {i}") for i, r in enumerate(value, 1)]


def _position(value, where: str, index: int) -> tuple[float, float]:
    if (
        type(value) is not list
        or len(value) != 2
        or any(type(v) not in (int, float) for v in value)
    ):
        raise ZoneError(f"{where} position {index} must be [lon, lat], not {_short(value)}")
    try:
        lon, lat = float(value[0]), float(value[1])
    except OverflowError:  # an integer of hundreds of digits: out of any range
        lon, lat = (v if type(v) is float else math.inf if v > 0 else -math.inf for v in value)
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise ZoneError(
            f"{where} position {index}: longitude {_short(value[0])} is not in [-180, 180]"
        )
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise ZoneError(
            f"{where} position {index}: latitude {_short(value[1])} is not in [-90, 90]"
        )
    return lon, lat


def _short(value) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = json_kind(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unique_keys(pairs: list) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ZoneError(f"key {key} given twice: which value is meant?")
    return obj


def _no_constant(name: str):
    raise ZoneError(f"{name} is not a JSON number")


_decoder = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def decode_geojson(text: str | bytes):
    """GeoJSON text typed or uploaded (not an exchange line: the importer decodes its own), read
    as strictly as the importer reads a line: a key given twice, NaN, or JSON nested too deeply
    is a ZoneError, never a crash."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return _decoder.decode(text)
    except UnicodeDecodeError:
        raise ZoneError("not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise ZoneError(f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise ZoneError("not valid JSON: nested too deeply") from None


def parse_zone(value) -> Zone:
    """A GeoJSON geometry (decoded JSON) as a valid Zone, or ZoneError with the reason."""
    if type(value) is not dict:
        raise ZoneError(f"must be a GeoJSON Polygon or MultiPolygon object, not {json_kind(value)}")
    for key in ("type", "coordinates"):
        if key not in value:
            raise ZoneError(f"missing key {key}")
    extra = sorted(set(value) - ZONE_KEYS)
    if extra:
        raise ZoneError(f"unknown key {extra[0]}: a geometry has only type and coordinates")
    kind = value["type"]
    if kind not in ZONE_TYPES:
        raise ZoneError(f"type must be Polygon or MultiPolygon, not {_short(kind)}")
    walk = _Walk()
    coordinates = value["coordinates"]
    if kind == "Polygon":
        polygons = [walk.polygon(coordinates, "")]
    else:
        if type(coordinates) is not list:
            raise ZoneError(f"coordinates must be a list of polygons, not {json_kind(coordinates)}")
        if not coordinates:
            raise ZoneError("a MultiPolygon has no polygon")
        polygons = [walk.polygon(p, f"polygon {i} ") for i, p in enumerate(coordinates, 1)]
    polygons = tuple(oriented(p) for p in polygons)
    zone = Zone(kind, polygons, to_wkb(kind, polygons))
    _check_valid(zone)
    return zone


# -- Orientation (RFC 7946 section 3.1.6) -----------------------------------------------------


def signed_area(ring: Sequence[tuple[float, float]]) -> float:
    """Twice the ring's signed area (shoelace): positive when counter-clockwise."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        total += x1 * y2 - x2 * y1
    return total


def oriented(polygon: Polygon) -> Polygon:
    """The exterior ring counter-clockwise, the holes clockwise; a ring already so is kept as
    it is (the same list), so an export of an export changes nothing."""
    out = []
    for i, ring in enumerate(polygon):
        area = signed_area(ring)
        wrong = area < 0 if i == 0 else area > 0
        out.append(ring[::-1] if wrong else ring)
    return out


# -- WKB ------------------------------------------------------------------------------------

_WKB_POLYGON, _WKB_MULTIPOLYGON = 3, 6


def _polygon_wkb(polygon: Polygon) -> bytes:
    parts = [struct.pack("<BII", 1, _WKB_POLYGON, len(polygon))]
    for ring in polygon:
        flat = [c for p in ring for c in p]
        parts.append(struct.pack(f"<I{len(flat)}d", len(ring), *flat))
    return b"".join(parts)


def to_wkb(kind: str, polygons: Sequence[Polygon]) -> bytes:
    if kind == "Polygon":
        return _polygon_wkb(polygons[0])
    head = struct.pack("<BII", 1, _WKB_MULTIPOLYGON, len(polygons))
    return head + b"".join(_polygon_wkb(p) for p in polygons)


def from_wkb(data: bytes | memoryview) -> tuple[str, list[Polygon]]:
    """(GeoJSON type, polygons) of a Polygon or MultiPolygon WKB, either byte order; EWKB's SRID
    flag is understood (PostGIS may add it)."""
    data = bytes(data)
    kind, polygons, end = _read(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after the geometry")
    return kind, polygons


def _read(data: bytes, at: int) -> tuple[str, list[Polygon], int]:
    order = "<" if data[at] == 1 else ">"
    (code,) = struct.unpack_from(order + "I", data, at + 1)
    at += 5
    if code & 0x20000000:  # EWKB: an SRID follows
        at += 4
    code &= 0xFFFF
    if code == _WKB_POLYGON:
        polygon, at = _read_polygon(data, at, order)
        return "Polygon", [polygon], at
    if code == _WKB_MULTIPOLYGON:
        (n,) = struct.unpack_from(order + "I", data, at)
        at += 4
        polygons = []
        for _ in range(n):
            _, (polygon,), at = _read(data, at)
            polygons.append(polygon)
        return "MultiPolygon", polygons, at
    raise ValueError(f"not a Polygon or MultiPolygon (WKB type {code})")


def _read_polygon(data: bytes, at: int, order: str) -> tuple[Polygon, int]:
    (rings,) = struct.unpack_from(order + "I", data, at)
    at += 4
    polygon = []
    for _ in range(rings):
        (n,) = struct.unpack_from(order + "I", data, at)
        at += 4
        flat = struct.unpack_from(f"{order}{2 * n}d", data, at)
        at += 16 * n
        polygon.append(list(zip(flat[0::2], flat[1::2], strict=True)))
    return polygon, at


def zone_from_wkb(data: bytes | memoryview) -> Zone:
    """A stored geometry as a Zone, reoriented if it was stored otherwise (what the export
    writes)."""
    kind, polygons = from_wkb(data)
    polygons = tuple(oriented(p) for p in polygons)
    return Zone(kind, polygons, to_wkb(kind, polygons))


# -- OGC validity (GEOS) ------------------------------------------------------------------------

_REASON = re.compile(r"(?P<what>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]")


def _check_valid(zone: Zone) -> None:
    from django.contrib.gis.geos import GEOSGeometry

    # valid_reason alone: GEOS's isValid would also log a notice for every refusal.
    reason = GEOSGeometry(memoryview(zone.wkb)).valid_reason
    if reason != "Valid Geometry":
        raise ZoneError(describe_invalid(reason))


def describe_invalid(reason: str) -> str:
    """GEOS's "Self-intersection[112.1 37.2]" as "self-intersection near [112.1, 37.2]"."""
    match = _REASON.fullmatch(reason.strip())
    if not match:
        return f"not a valid geometry: {reason.strip().lower()}"
    what = match["what"].strip()
    what = what[0].lower() + what[1:]
    x, y = (_coordinate(match[k]) for k in ("x", "y"))
    return f"{what} near [{x}, {y}]"


def _coordinate(text: str) -> str:
    try:
        return repr(round(float(text), 6))
    except ValueError:
        return text


def validate_stored_zone(geometry) -> None:
    """The model fields' validator (a GEOSGeometry): whatever saves a record through full_clean
    (the records service, the admin) holds a zone the exchange format would take, even one that
    reached the object without passing parse_zone (a script, the ORM)."""
    from django.core.exceptions import ValidationError

    if geometry is None:
        return
    if geometry.hasz or geometry.geom_type not in ZONE_TYPES:
        raise ValidationError(f"must be a 2D Polygon or MultiPolygon, not {geometry.geom_type}")
    kind, polygons = from_wkb(geometry.wkb)
    value = Zone(kind, tuple(polygons), b"").geojson()
    try:
        parse_zone(value)
    except ZoneError as error:
        raise ValidationError(error.reason) from None
