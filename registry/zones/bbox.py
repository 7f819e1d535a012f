"""The catalog's area filter (protection.md, Area filter): `bbox=minlon,minlat,maxlon,maxlat`
keeps the records whose point lies in the box or whose protection or control zone intersects
it, edges included. RecordFilterSet (registry/filtersets.py) parses with `parse` and filters
with `in_box`; the search map's zone outlines (registry/views/catalog.py) ask `zones_in_box`.

Each part of the OR is one index's question, so that a county-sized box reads the records near
it and not the table: the point by the (lat, lon) index record_lat_lon, each zone by its
spatial index. PostGIS plans `&&` on the GiST index itself (GeoDjango's `intersects`);
SpatiaLite never consults its R*Tree unless asked, so the query asks it (the rows whose
bounding box meets the box: a superset, the R*Tree's float32 boxes are rounded outwards) and
leaves the exact `Intersects` to the rows it returns.
"""

import math
import re
from typing import NamedTuple

from django.contrib.gis.geos import Polygon
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Record
from registry.zones.index import ZONE_FIELDS, intersects_q

FORMAT = _("应为四个数：最小经度,最小纬度,最大经度,最大纬度，如 112.0,37.0,112.5,37.5")

NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
MAX_LENGTH = 200


class BoxError(ValueError):
    """Why a bbox parameter is refused (shown to the visitor as it is)."""


class Box(NamedTuple):
    minlon: float
    minlat: float
    maxlon: float
    maxlat: float

    def __str__(self) -> str:
        """As the parameter writes it, to a micro-degree (the map writes 4 decimals)."""
        return ",".join(f"{v:.6f}".rstrip("0").rstrip(".") for v in self)

    def polygon(self) -> Polygon:
        return Polygon.from_bbox(tuple(self))


def parse(text: str) -> Box:
    """`minlon,minlat,maxlon,maxlat`: four plain decimal numbers (no exponent, no NaN or
    infinity), longitudes in [-180, 180], latitudes in [-90, 90], min < max on both axes."""
    parts = text.split(",")
    if len(parts) != 4:
        raise BoxError(FORMAT)
    if not all(NUMBER_RE.fullmatch(p.strip()) for p in parts):
        raise BoxError(FORMAT)
    box = Box(*(float(p) for p in parts))
    if not all(math.isfinite(v) for v in box):  # a thousand-digit number is inf
        raise BoxError(_("数值超出范围"))
    if not (-180 <= box.minlon <= 180 and -180 <= box.maxlon <= 180):
        raise BoxError(_("经度应在 -180 到 180 之间"))
    if not (-90 <= box.minlat <= 90 and -90 <= box.maxlat <= 90):
        raise BoxError(_("纬度应在 -90 到 90 之间"))
    if not (box.minlon < box.maxlon and box.minlat < box.maxlat):
        raise BoxError(_("最小经度应小于最大经度，最小纬度应小于最大纬度"))
    return box


def point_q(box: Box) -> Q:
    return Q(lat__gte=box.minlat, lat__lte=box.maxlat, lon__gte=box.minlon, lon__lte=box.maxlon)


def zone_q(box: Box, field: str) -> Q:
    """Records whose `field` intersects the box, by that field's spatial index."""
    bounds = (box.minlon, box.minlat, box.maxlon, box.maxlat)
    return intersects_q(field, box.polygon(), bounds)


def box_q(box: Box) -> Q:
    """The area filter: the point in the box, or either zone meeting it."""
    q = point_q(box)
    for field in ZONE_FIELDS:
        q |= zone_q(box, field)
    return q


def in_box(queryset, box: Box):
    """The records of `queryset` in the box. The box is its own subquery, so that each engine
    answers it from its indexes whatever else the queryset filters on: inline, SQLite let a
    `kind` filter's index win and tested the box on each of 35,000 districts (4 s cold at a
    million records) instead of reading the few records the indexes name."""
    return queryset.filter(pk__in=Record.objects.filter(box_q(box)).values("pk"))


def zones_in_box(queryset, box: Box):
    """The records of `queryset` that have a zone meeting the box (their point aside)."""
    q = Q()
    for field in ZONE_FIELDS:
        q |= zone_q(box, field)
    return queryset.filter(q)
