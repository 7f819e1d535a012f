"""Is this place protected? (docs/spec/protection.md): the records whose protection zone or
construction-control zone contains a point, as of a day. Read by the API
(registry/api/protection.py) and the public page (registry/views/protection.py).

One SQL query: the protection zones' candidates UNION ALL the control zones', each found through
its zone's spatial index and then tested exactly (Intersects: a point on the boundary is
inside, a point in a hole is not). PostGIS plans ST_Intersects on its GiST index by itself;
GeoDjango on SpatiaLite never consults the R*Tree, so the candidates are named from it
explicitly (registry/zones/index.py). Without that, a check would test every zone in the registry.
"""

import datetime
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import AsWKB
from django.contrib.gis.geos import Point
from django.db.models import Q, Value

from registry.models import Record
from registry.models.records import designated_q, status_on
from registry.zones.geometry import zone_from_wkb
from registry.zones.index import intersects_q

# protection.md: `protection` before `control`.
ZONES = ("protection", "control")


@dataclass(frozen=True, slots=True)
class Protection:
    """One record and one of its zones that contains the point; `geometry` (GeoJSON) only when
    asked for."""

    code: str
    name: str
    kind: str
    level: str
    status: str
    zone: str
    geometry: dict | None = None


def protects_q(as_of: datetime.date) -> Q:
    """protection.md, Which records protect: designated as of the day, or a candidate (never
    designated). A record revoked by then, or designated only later, protects nothing."""
    return designated_q(as_of) | Q(designated_on__isnull=True)


def _candidates(zone: str, lon: float, lat: float, as_of: datetime.date, geometry: bool):
    field = f"{zone}_zone"
    point = Point(lon, lat, srid=4326)
    where = protects_q(as_of) & intersects_q(field, point, (lon, lat, lon, lat))
    rows = Record.objects.filter(where).order_by().annotate(zone=Value(zone))
    columns = ["code", "name", "kind", "level", "designated_on", "revoked_on", "zone"]
    if geometry:
        rows = rows.annotate(wkb=AsWKB(field))
        columns.append("wkb")
    return rows.values_list(*columns)


def protection_check(
    *, lat: float, lon: float, as_of: datetime.date, geometry: bool = False
) -> list[Protection]:
    """The spec's results for the point (lat, lon) as of `as_of`, in the spec's order; with
    `geometry`, each with its zone as GeoJSON (the page draws them)."""
    protection, control = (_candidates(z, lon, lat, as_of, geometry) for z in ZONES)
    results = []
    for code, name, kind, level, designated_on, revoked_on, zone, *wkb in protection.union(
        control, all=True
    ):
        status = status_on(designated_on, revoked_on, as_of)  # designated or candidate here
        shape = zone_from_wkb(wkb[0]).geojson() if wkb else None
        results.append(Protection(code, name, kind, level, status.value, zone, shape))
    # Few rows: sorted here, in code-point order (Python's), whatever the database's collation.
    results.sort(key=lambda r: (ZONES.index(r.zone), r.code))
    return results
