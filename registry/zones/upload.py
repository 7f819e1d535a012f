"""A zone from an uploaded file (the admin's record page): GeoJSON, KML, or a zipped shapefile,
read by GDAL and then validated by the one validator, `parse_zone`.

What this module adds to GDAL is the distrust of the file:
- its declared size is checked before a byte is read (MAX_FILE_BYTES);
- a zip is unpacked by hand into a private temporary directory: no absolute or `..` paths, no
  symbolic links, at most MAX_MEMBERS members and MAX_FILE_BYTES unpacked (counted as read,
  not as the zip declares), only the shapefile's own parts kept, exactly one `.shp`;
- GDAL opens it with the one driver its extension names (GDALOpenEx's allowed drivers), so a
  `.geojson` that is really a VRT (which can point at other files) is not opened at all;
- the spatial reference is whatever GDAL read from the file, and is only compared: WGS-84
  (EPSG:4326), CGCS2000 (EPSG:4490, the same to a zone's precision) or none (taken as WGS-84).
  Anything else is refused, never transformed; no spatial reference is built from user text.
  A GeoJSON `crs` member (not RFC 7946) is refused before GDAL sees it.

Every polygon of every feature becomes a part of the zone (one polygon: a Polygon, more: a
MultiPolygon); parts are combined, not dissolved, so overlapping parts are refused by
`parse_zone` as any MultiPolygon's are. Z and M values are dropped (a KML from Google Earth has
altitudes of 0); a collection (a KML MultiGeometry) counts by its members; any geometry that
is not a polygon is refused. Every refusal is a ZoneError.
"""

import json
import re
import stat
import tempfile
import zipfile
import zlib
from ctypes import c_char_p
from pathlib import Path, PurePosixPath

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.gdal.driver import Driver
from django.contrib.gis.gdal.prototypes import ds as gdal_ds

from registry.zones.geometry import Zone, ZoneError, decode_geojson, parse_zone

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 20
ACCEPTED_SRIDS = frozenset({4326, 4490})
# extension -> the one GDAL driver allowed to open it. The LIBKML driver is left out: it
# follows a KML's network links.
DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".kml": "KML", ".shp": "ESRI Shapefile"}
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg"})
ACCEPT = ".geojson,.json,.kml,.zip"  # for the file input's accept attribute
_GDAL_OF_VECTOR = 0x04
_SUFFIX = re.compile(r"(25D|ZM|Z|M)$")  # the Z and M variants of a type's name
_CHUNK = 64 * 1024


def read_zone_file(upload) -> Zone:
    """The zone in an uploaded file (a Django UploadedFile: .name, .size, .chunks()), or
    ZoneError with the reason."""
    if upload.size > MAX_FILE_BYTES:
        raise ZoneError(f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    if suffix not in (*DRIVERS, ".zip") or suffix == ".shp":
        raise ZoneError("the file must be .geojson, .json, .kml or a .zip of a shapefile")
    with tempfile.TemporaryDirectory(prefix="zone-") as folder:
        if suffix == ".zip":
            path = _unzip_shapefile(upload, Path(folder))
        else:
            path = Path(folder) / f"zone{suffix}"
            _copy(upload.chunks(), path)
            if suffix != ".kml":
                _check_geojson(path)
        return parse_zone(_geometry(path))


def _copy(chunks, path: Path, budget: int = MAX_FILE_BYTES) -> int:
    """Write the chunks to `path`, refusing more than `budget` bytes; returns the bytes written."""
    written = 0
    with open(path, "wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if written > budget:
                raise ZoneError(f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
            out.write(chunk)
    return written


def _check_geojson(path: Path) -> None:
    data = decode_geojson(path.read_bytes())
    if isinstance(data, dict) and "crs" in data:
        raise ZoneError("a crs member is not allowed: GeoJSON (RFC 7946) is in WGS-84")


def _unzip_shapefile(upload, folder: Path) -> Path:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError):
        raise ZoneError("not a valid zip file") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ZoneError(f"the zip has more than {MAX_MEMBERS} members")
        budget = MAX_FILE_BYTES
        shapefiles = []
        for info in members:
            name = _safe_name(info)
            if name is None:
                continue  # a folder, or a file that is not part of a shapefile
            target = folder / name
            if target.exists():
                raise ZoneError(f"the zip holds two files named {name}")
            try:
                with archive.open(info) as member:
                    budget -= _copy(iter(lambda m=member: m.read(_CHUNK), b""), target, budget)
            # Encrypted (RuntimeError), an unknown compression (NotImplementedError), a corrupt
            # stream (zlib.error, BadZipFile, EOFError): the zip cannot be read, and says so.
            except (RuntimeError, NotImplementedError, zlib.error, zipfile.BadZipFile, EOFError):
                raise ZoneError(f"the zip member {name} cannot be read") from None
            if target.suffix == ".shp":
                shapefiles.append(target)
    if len(shapefiles) != 1:
        raise ZoneError(f"the zip must hold one shapefile (.shp), not {len(shapefiles)}")
    return shapefiles[0]


def _safe_name(info: zipfile.ZipInfo) -> str | None:
    """The member's file name (its folders dropped) if it is a shapefile part, None to skip
    it; ZoneError for a path that points outside the zip or a symbolic link."""
    path = PurePosixPath(info.filename.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in info.filename:
        raise ZoneError(f"the zip holds an unsafe path: {info.filename[:80]}")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ZoneError(f"the zip holds a symbolic link: {info.filename[:80]}")
    if info.is_dir() or path.suffix.lower() not in SHAPEFILE_PARTS:
        return None
    return path.stem + path.suffix.lower()


def _open(path: Path) -> DataSource:
    Driver.ensure_registered()
    allowed = (c_char_p * 2)(DRIVERS[path.suffix].encode(), None)
    try:
        pointer = gdal_ds.open_ds(str(path).encode(), _GDAL_OF_VECTOR, allowed, None, None)
    except GDALException:
        raise ZoneError(f"GDAL cannot read this file as {DRIVERS[path.suffix]}") from None
    return DataSource(pointer, gdal_ds.get_dataset_driver(pointer))


def _geometry(path: Path) -> dict:
    """The polygons of every feature of every layer, as one GeoJSON geometry (2D)."""
    source = _open(path)
    polygons = []
    for layer in source:
        _check_srs(layer.srs)
        for number, feature in enumerate(layer, 1):
            try:
                geometry = feature.geom
            except GDALException:  # a feature without a geometry (QGIS writes them)
                raise ZoneError(f"feature {number} has no geometry") from None
            polygons += _polygons(geometry, number)
    if not polygons:
        raise ZoneError("the file holds no polygon")
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _check_srs(srs) -> None:
    if srs is None:
        return  # no .prj: WGS-84, as GeoJSON and KML always are
    if srs.srid not in ACCEPTED_SRIDS:
        name = srs.name or "unknown"
        code = f"EPSG:{srs.srid}" if srs.srid else "no EPSG code"
        raise ZoneError(
            f"coordinate reference {name} ({code}) is not accepted: "
            "the file must be in WGS-84 (EPSG:4326) or CGCS2000 (EPSG:4490)"
        )


def _polygons(geometry, number: int) -> list:
    if geometry is None:
        return []
    kind = _SUFFIX.sub("", geometry.geom_type.name)
    if kind == "GeometryCollection":  # a KML MultiGeometry: its polygons, if all are
        return [p for member in geometry for p in _polygons(member, number)]
    if kind not in ("Polygon", "MultiPolygon"):
        raise ZoneError(f"feature {number} is a {kind}: a zone is made of polygons")
    coordinates = json.loads(geometry.json)["coordinates"]
    parts = [coordinates] if kind == "Polygon" else coordinates
    return [[[position[:2] for position in ring] for ring in part] for part in parts]
