"""The one way a query finds zones by place: through the zone's spatial index, on either engine.

PostGIS plans ST_Intersects on the column's GiST index by itself. GeoDjango on SpatiaLite never
consults the R*Tree that SpatiaLite keeps beside the table (`idx_<table>_<column>`), so the
candidates are named from it explicitly; without that, every query would test every zone in
the registry. The R*Tree's boxes are rounded outwards to 32-bit floats, so none that meets the
searched box is missed; the exact Intersects then decides (a boundary meets, a hole does not).
"""

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from registry.models import Record

ZONE_FIELDS = ("protection_zone", "control_zone")


def intersects_q(field: str, geometry, bounds: tuple[float, float, float, float]) -> Q:
    """Records whose zone `field` meets `geometry`, whose envelope is `bounds` (minlon, minlat,
    maxlon, maxlat; a point's is the point twice)."""
    exact = Q(**{f"{field}__intersects": geometry})
    if connection.vendor != "sqlite":
        return exact
    minlon, minlat, maxlon, maxlat = bounds
    rtree = f"idx_{Record._meta.db_table}_{field}"
    candidates = RawSQL(
        f"SELECT pkid FROM {rtree} WHERE xmax >= %s AND xmin <= %s AND ymax >= %s AND ymin <= %s",
        (minlon, maxlon, minlat, maxlat),
    )
    return Q(pk__in=candidates) & exact
