"""GeoDjango's SpatiaLite backend, with geometries sent to SQLite as WKB instead of WKT.

GeoDjango hands SpatiaLite every geometry as WKT (GeomFromText), and SpatiaLite 5.0's WKT
parser takes time quadratic in the size: a zone of 100,000 positions (exchange.md's limit)
took 5.4 s per save, 50,000 took 1.5 s; the same as WKB (GeomFromWKB) takes 6 ms. And a record's
save writes every column, so each save of a record with a large zone paid it, changed or not.
"""

from django.contrib.gis.db.backends.spatialite.base import DatabaseWrapper as SpatiaLiteWrapper
from django.contrib.gis.db.backends.spatialite.operations import SpatiaLiteOperations
from django.contrib.gis.geos import WKBWriter


class WKBAdapter:
    """A geometry as its WKB bytes (2D, no SRID: the placeholder gives the SRID)."""

    def __init__(self, geom):
        # 2D whatever the geometry: GEOS writes a Z geometry as EWKB, which GeomFromWKB turns
        # into NULL without a word. The registry's columns are 2D (parse_zone writes 2D).
        self.wkb = bytes(WKBWriter(dim=2).write(geom))
        self.srid = geom.srid

    def __conform__(self, protocol):
        return self.wkb

    def __eq__(self, other):
        return isinstance(other, WKBAdapter) and self.wkb == other.wkb and self.srid == other.srid

    def __hash__(self):
        return hash((self.wkb, self.srid))


class DatabaseOperations(SpatiaLiteOperations):
    Adapter = WKBAdapter
    from_text = "GeomFromWKB"


class DatabaseWrapper(SpatiaLiteWrapper):
    ops_class = DatabaseOperations
