"""Edges a hostile review found in the zones' trust boundaries: inputs that used to crash
instead of naming their reason, a 3D geometry that SpatiaLite turned into NULL, a zone saved
through the ORM without the validator, digits that are not ASCII, a repeated area."""

import io
import json
import os
import zipfile

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, connection, transaction

from registry.models import Record, Region
from registry.zones import upload
from registry.zones.geometry import ZoneError, decode_geojson, parse_zone, validate_stored_zone

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def test_an_integer_of_hundreds_of_digits_is_out_of_range_not_a_crash():
    huge = {"type": "Polygon", "coordinates": [[[10**400, 0], [1, 0], [1, 1], [0, 0]]]}
    with pytest.raises(ZoneError, match="ring 1 position 1: longitude"):
        parse_zone(huge)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"type": "Polygon", "type": "Polygon", "coordinates": []}', "key type given twice"),
        ("[" * 100_000, "nested too deeply"),
        ('{"type": NaN}', "NaN is not a JSON number"),
        (b"\xff\xfe", "not UTF-8"),
        ("{", "not valid JSON"),
    ],
)
def test_typed_or_uploaded_geojson_is_read_strictly(text, reason):
    with pytest.raises(ZoneError, match=reason):
        decode_geojson(text)


def test_an_unreadable_zip_member_is_a_reason():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zone.shp", os.urandom(4000))  # stored near its size
    data = bytearray(buffer.getvalue())
    start = data.index(b"zone.shp") + len("zone.shp")  # the local header's name, then the data
    data[start : start + 20] = b"\xff" * 20  # a corrupt deflate stream
    with pytest.raises(ZoneError, match="cannot be read"):
        upload.read_zone_file(SimpleUploadedFile("zone.zip", bytes(data)))


def test_a_feature_without_a_geometry_is_named():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": SQUARE},
            {"type": "Feature", "properties": {}, "geometry": None},
        ],
    }
    content = json.dumps(collection).encode()
    with pytest.raises(ZoneError, match="feature 2 has no geometry"):
        upload.read_zone_file(SimpleUploadedFile("zone.geojson", content))


@pytest.mark.django_db
class TestStored:
    @pytest.fixture
    def record(self):
        return Record.objects.create(
            code="B-EDGE", kind="building", name="边", level="municipal",
            region=Region.objects.get(code="140728"),
        )  # fmt: skip

    def test_a_3d_geometry_is_never_stored_as_null(self, record):
        """SpatiaLite (through heritage/spatialite/) keeps its 2D shape; PostGIS refuses it
        aloud (the column is 2D). Before, SpatiaLite stored NULL without a word."""
        cube = GEOSGeometry("POLYGON Z ((0 0 5, 1 0 5, 1 1 5, 0 1 5, 0 0 5))", srid=4326)
        if connection.vendor == "postgresql":
            with pytest.raises(DataError, match="Z dimension"), transaction.atomic():
                Record.objects.filter(pk=record.pk).update(protection_zone=cube)
            return
        Record.objects.filter(pk=record.pk).update(protection_zone=cube)
        record.refresh_from_db()
        assert record.protection_zone is not None
        assert not record.protection_zone.hasz and record.protection_zone.num_coords == 5

    def test_the_model_refuses_what_parse_zone_refuses(self, record):
        record.protection_zone = GEOSGeometry("LINESTRING (0 0, 1 1)", srid=4326)
        with pytest.raises(ValidationError, match="Polygon or MultiPolygon"):
            record.full_clean()
        record.protection_zone = GEOSGeometry("POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))", srid=4326)
        with pytest.raises(ValidationError, match="self-intersection near"):
            record.full_clean()
        validate_stored_zone(GEOSGeometry(json.dumps(SQUARE), srid=4326))  # a valid one passes


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/protection/?lat=%D9%A1&lon=1",  # Arabic-Indic one
        "/api/v1/protection/?lat=%EF%BC%91&lon=1",  # full-width one
        "/api/v1/records/?bbox=%D9%A1,1,2,2",
        "/api/v1/records/?bbox=1,1,2,2&bbox=3,3,4,4",
    ],
)
def test_only_ascii_decimals_and_one_box(client, query):
    assert client.get(query).status_code == 400
