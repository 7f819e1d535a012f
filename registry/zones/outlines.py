"""Zones as the maps draw them: the record page's outlines (registry/views/catalog.py
record_page) and the search map's (map_zones), GeoJSON read from the stored WKB
(`AsWKB` annotations, never GEOS objects: a page of them renders without loading GEOS)."""

from registry.zones.geometry import zone_from_wkb

# The two zones, in the order drawn (the control zone under the protection zone it contains).
KINDS = (("control", "control_wkb"), ("protection", "protection_wkb"))


def wkb_annotations() -> dict:
    from django.contrib.gis.db.models.functions import AsWKB

    return {"protection_wkb": AsWKB("protection_zone"), "control_wkb": AsWKB("control_zone")}


def wkb_sizes() -> dict:
    """The bytes of each zone's WKB, counted by the database (LENGTH of a blob on SQLite, of a
    bytea on PostgreSQL) without sending the zone: what an answer of outlines would weigh."""
    from django.contrib.gis.db.models.functions import AsWKB
    from django.db.models import Func, IntegerField

    return {
        f"{name}_bytes": Func(AsWKB(f"{name}_zone"), function="LENGTH", output_field=IntegerField())
        for name in ("protection", "control")
    }


def outlines(row) -> list[dict]:
    """[{"zone": "control" | "protection", "geometry": GeoJSON}] of a row annotated with
    wkb_annotations() (an object or a dict)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name, None)
    shapes = []
    for kind, attribute in KINDS:
        wkb = get(attribute)
        if wkb is not None:
            shapes.append({"zone": kind, "geometry": zone_from_wkb(bytes(wkb)).geojson()})
    return shapes
