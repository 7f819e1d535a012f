"""A record's zones in the admin: drawn (posted as GeoJSON text) or uploaded as GeoJSON, KML or a
zipped shapefile; validated by the one validator, whose reason is the field's error; saved
through the records service, so logged like any change; refused whole when anything is wrong.

The files are made here: GeoJSON and KML as text, shapefiles by GDAL's ogr2ogr."""

import io
import json
import math
import shutil
import subprocess
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from registry.admin.audit import change_lines
from registry.admin.zones import as_geometry
from registry.models import ChangeLog, Record
from registry.services import audit
from registry.zones import upload
from registry.zones.geometry import ZoneError, from_wkb, parse_zone, signed_area
from tests.admin_forms import change_form
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db

# A square in Pingyao, clockwise (RFC 7946 wants counter-clockwise: the registry turns it).
CLOCKWISE = [[112.17, 37.2], [112.17, 37.21], [112.18, 37.21], [112.18, 37.2], [112.17, 37.2]]
SQUARE = {"type": "Polygon", "coordinates": [CLOCKWISE]}
FEATURES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "核心保护范围"}, "geometry": SQUARE}]}  # fmt: skip


@pytest.fixture
def building():
    return Record.objects.create(code="JZ-B-0001", kind="building", name="张氏宗祠",
                                 level="provincial", region_id="140728",
                                 designated_on="2010-01-01", lat=37.2, lon=112.17)  # fmt: skip


def browser(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def surveyor():
    return browser(user("surveyor1", "surveyor", regions=("140700",), password=None))


def _url(record) -> str:
    return reverse("admin:registry_record_change", args=[record.pk])


def _post(client, record, **changes):
    data = {**change_form(client.get(_url(record))), **changes}
    return client.post(_url(record), data)


def _entries(record):
    """The record's change log after its creation, newest first."""
    entries = ChangeLog.objects.filter(object_type="registry.record", object_id=record.pk)
    return list(entries.exclude(action="create"))


def test_a_surveyor_draws_a_zone_saved_oriented_and_logged(surveyor, building):
    response = _post(surveyor, building, protection_zone=json.dumps(SQUARE))
    assert response.status_code == 302, response.content.decode()[-2000:]
    building.refresh_from_db()
    zone = building.protection_zone
    assert zone.geom_type == "Polygon" and zone.srid == 4326
    assert signed_area(zone.coords[0]) > 0  # counter-clockwise now
    assert sorted(zone.coords[0][:-1]) == sorted(tuple(p) for p in CLOCKWISE[:-1])
    (entry,) = _entries(building)
    assert entry.user.username == "surveyor1"
    assert entry.before["protection_zone"] is None
    assert entry.after["protection_zone"] == bytes(zone.wkb).hex().upper()
    assert change_lines(entry) == ["保护范围：已划定（5 个顶点）"]
    # Moved; then the page saved again unchanged (logged, as any save, with no field changed).
    moved = [[[x + 0.001, y] for x, y in CLOCKWISE]]
    assert _post(surveyor, building, protection_zone=json.dumps(
        {"type": "Polygon", "coordinates": moved})).status_code == 302  # fmt: skip
    assert _post(surveyor, building).status_code == 302
    entries = _entries(building)
    assert [change_lines(e) for e in entries] == [[], ["保护范围：已修改（5 个顶点）"],
                                                  ["保护范围：已划定（5 个顶点）"]]  # fmt: skip
    page = surveyor.get(_url(building)).content.decode()
    assert "保护范围：已修改（5 个顶点）" in page  # the record's recent changes
    # Emptied: removed, and said so.
    assert _post(surveyor, building, protection_zone="").status_code == 302
    building.refresh_from_db()
    assert building.protection_zone is None
    assert change_lines(_entries(building)[0]) == ["保护范围：已删除"]


def test_a_surveyor_of_another_region_cannot(building):
    elsewhere = browser(user("surveyor2", "surveyor", regions=("110000",), password=None))
    data = {**change_form(browser(user("r", "registrar", password=None)).get(_url(building)))}
    response = elsewhere.post(_url(building), {**data, "protection_zone": json.dumps(SQUARE)})
    assert response.status_code == 404
    building.refresh_from_db()
    assert building.protection_zone is None and _entries(building) == []


def test_the_records_service_refuses_a_surveyor_of_another_region(building):
    from django.core.exceptions import PermissionDenied

    from registry.services.records import record_update

    elsewhere = user("surveyor2", "surveyor", regions=("110000",), password=None)
    with pytest.raises(PermissionDenied):
        record_update(user=elsewhere, record=building, version=building.version,
                      data={"protection_zone": as_geometry(parse_zone(SQUARE))})  # fmt: skip
    building.refresh_from_db()
    assert building.protection_zone is None


BOWTIE = [[112.0, 37.0], [112.1, 37.1], [112.1, 37.0], [112.0, 37.1], [112.0, 37.0]]


@pytest.mark.parametrize(
    "text, reason",
    [
        (json.dumps({"type": "Polygon", "coordinates": [CLOCKWISE[:-1] + [[112.17, 37.3]]]}),
         "ring 1 is not closed"),
        (json.dumps({"type": "Polygon", "coordinates": [BOWTIE]}),
         "self-intersection near [112.05, 37.05]"),
        (json.dumps({"type": "Point", "coordinates": [112.1, 37.1]}),
         "type must be Polygon or MultiPolygon, not &quot;Point&quot;"),
        (json.dumps({"type": "Polygon", "coordinates": [[[200, 37], [201, 37], [201, 38],
                                                         [200, 37]]]}),
         "ring 1 position 1: longitude 200 is not in [-180, 180]"),
        ('{"type": "Polygon",', "not valid JSON"),
        (json.dumps({**SQUARE, "properties": {}}),
         "unknown key properties: a geometry has only type and coordinates"),
    ],
)  # fmt: skip
def test_an_invalid_zone_shows_the_reason_and_saves_nothing(surveyor, building, text, reason):
    response = _post(surveyor, building, protection_zone=text, name="张氏宗祠（改）")
    assert response.status_code == 200
    page = response.content.decode()
    assert reason in page and 'class="errorlist' in page
    building.refresh_from_db()
    assert building.name == "张氏宗祠" and building.protection_zone is None
    assert _entries(building) == []


def _upload(surveyor, record, name: str, content: bytes, zone="protection_zone"):
    data = change_form(surveyor.get(_url(record)))
    data[f"{zone}_file"] = SimpleUploadedFile(name, content)
    return surveyor.post(_url(record), data)


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>建设控制地带</name>
{geometry}
</Placemark></Document></kml>"""
KML_POLYGON = ("<Polygon><outerBoundaryIs><LinearRing><coordinates>"
               "112.16,37.19,0 112.19,37.19,0 112.19,37.22,0 112.16,37.22,0 112.16,37.19,0"
               "</coordinates></LinearRing></outerBoundaryIs></Polygon>")  # fmt: skip


def _shapefile_zip(tmp_path, srs: str | None = "EPSG:4326", folder: str = "") -> bytes:
    source = tmp_path / "zone.geojson"
    source.write_text(json.dumps(FEATURES))
    out = tmp_path / "shp"
    out.mkdir()
    args = ["ogr2ogr", "-f", "ESRI Shapefile", str(out / "zone.shp"), str(source)]
    if srs:
        args += ["-t_srs", srs]
    subprocess.run(args, check=True, capture_output=True)
    if srs is None:
        (out / "zone.prj").unlink()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(out.iterdir()):
            archive.write(path, folder + path.name)
    return buffer.getvalue()


needs_ogr2ogr = pytest.mark.skipif(not shutil.which("ogr2ogr"), reason="ogr2ogr not installed")


@pytest.mark.parametrize(
    "name, content, zone",
    [
        ("zone.geojson", json.dumps(FEATURES).encode(), "protection_zone"),
        ("zone.json", json.dumps(SQUARE).encode(), "protection_zone"),
        ("控制地带.KML", KML.format(geometry=KML_POLYGON).encode(), "control_zone"),
        ("multi.kml", KML.format(geometry=f"<MultiGeometry>{KML_POLYGON}</MultiGeometry>").encode(),
         "control_zone"),
    ],
)  # fmt: skip
def test_an_uploaded_geojson_or_kml_is_saved(surveyor, building, name, content, zone):
    response = _upload(surveyor, building, name, content, zone)
    assert response.status_code == 302, response.content.decode()[-3000:]
    building.refresh_from_db()
    geometry = getattr(building, zone)
    assert geometry.geom_type == "Polygon" and signed_area(geometry.coords[0]) > 0
    assert len(geometry.coords[0][0]) == 2  # the KML's altitudes dropped
    (entry,) = _entries(building)
    label = "保护范围" if zone == "protection_zone" else "建设控制地带"
    assert change_lines(entry) == [f"{label}：已划定（5 个顶点）"]


@needs_ogr2ogr
@pytest.mark.parametrize("srs, folder", [("EPSG:4326", ""), ("EPSG:4490", "zone/"), (None, "")])
def test_a_zipped_shapefile_is_saved(surveyor, building, tmp_path, srs, folder):
    response = _upload(surveyor, building, "zone.zip", _shapefile_zip(tmp_path, srs, folder))
    assert response.status_code == 302, response.content.decode()[-3000:]
    building.refresh_from_db()
    assert building.protection_zone.geom_type == "Polygon"
    assert sorted(building.protection_zone.coords[0][:-1]) == sorted(
        tuple(p) for p in CLOCKWISE[:-1]
    )


@needs_ogr2ogr
def test_a_shapefile_in_web_mercator_is_refused(surveyor, building, tmp_path):
    response = _upload(surveyor, building, "zone.zip", _shapefile_zip(tmp_path, "EPSG:3857"))
    assert response.status_code == 200
    assert (
        "coordinate reference WGS 84 / Pseudo-Mercator (EPSG:3857) is not accepted: the file"
        " must be in WGS-84 (EPSG:4326) or CGCS2000 (EPSG:4490)"
    ) in response.content.decode()
    building.refresh_from_db()
    assert building.protection_zone is None and _entries(building) == []


POINT = {"type": "Point", "coordinates": [112.1, 37.1]}


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("p.kml", KML.format(geometry="<Point><coordinates>112.1,37.1</coordinates></Point>"),
         "feature 1 is a Point: a zone is made of polygons"),
        ("p.geojson", json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": POINT}]}),
         "feature 1 is a Point: a zone is made of polygons"),
        ("p.kml", KML.format(geometry=f"<MultiGeometry>{KML_POLYGON}<Point><coordinates>"
                                      "112.1,37.1</coordinates></Point></MultiGeometry>"),
         "feature 1 is a Point: a zone is made of polygons"),
        ("p.geojson", json.dumps({**FEATURES, "crs": {"type": "name", "properties": {
            "name": "urn:ogc:def:crs:EPSG::3857"}}}),
         "a crs member is not allowed: GeoJSON (RFC 7946) is in WGS-84"),
        ("p.geojson", "<OGRVRTDataSource></OGRVRTDataSource>", "not valid JSON"),
        ("p.kml", "<OGRVRTDataSource></OGRVRTDataSource>", "GDAL cannot read this file as KML"),
        ("p.shp", "x", "the file must be .geojson, .json, .kml or a .zip of a shapefile"),
        ("p.zip", "not a zip", "not a valid zip file"),
        ("p.geojson", json.dumps({"type": "FeatureCollection", "features": []}),
         "the file holds no polygon"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_zone_is_refused(surveyor, building, name, content, reason):
    response = _upload(surveyor, building, name, content.encode())
    assert response.status_code == 200
    assert reason in response.content.decode()
    building.refresh_from_db()
    assert building.protection_zone is None and _entries(building) == []


def _zip(members: dict[str, bytes], symlink: str | None = None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return SimpleUploadedFile("zone.zip", buffer.getvalue())


@pytest.mark.parametrize(
    "upload_file, reason",
    [
        (_zip({"../../evil.shp": b"x"}), "the zip holds an unsafe path: ../../evil.shp"),
        (_zip({"/tmp/evil.shp": b"x"}), "the zip holds an unsafe path: /tmp/evil.shp"),
        (_zip({"a.dbf": b"x"}, symlink="zone.shp"), "the zip holds a symbolic link: zone.shp"),
        (_zip({f"{i}.txt": b"" for i in range(21)}), "the zip has more than 20 members"),
        (_zip({"a.shp": b"x", "b/a.shp": b"y"}), "the zip holds two files named a.shp"),
        (_zip({"a.shp": b"x", "b.shp": b"y"}), "the zip must hold one shapefile (.shp), not 2"),
        (_zip({"readme.txt": b"x"}), "the zip must hold one shapefile (.shp), not 0"),
    ],
)
def test_an_unsafe_zip_is_refused(upload_file, reason, tmp_path):
    with pytest.raises(ZoneError) as refused:
        upload.read_zone_file(upload_file)
    assert refused.value.reason == reason


def test_sizes_are_bounded_before_and_while_reading(monkeypatch):
    big = SimpleUploadedFile("zone.geojson", b" ")
    big.size = upload.MAX_FILE_BYTES + 1  # declared: refused before a byte is read
    with pytest.raises(ZoneError, match="the file is larger than 20 MB"):
        upload.read_zone_file(big)
    # A zip bomb: a few bytes that unpack to more than the limit, counted as unpacked.
    monkeypatch.setattr(upload, "MAX_FILE_BYTES", 10_000)
    bomb = _zip({"zone.shp": b"\0" * 50_000})
    assert bomb.size < 10_000
    with pytest.raises(ZoneError, match="the file is larger than"):
        upload.read_zone_file(bomb)


def test_the_admin_refuses_a_too_large_upload(surveyor, building, monkeypatch):
    monkeypatch.setattr(upload, "MAX_FILE_BYTES", 100)
    response = _upload(surveyor, building, "zone.geojson", json.dumps(FEATURES).encode())
    assert response.status_code == 200 and "the file is larger than" in response.content.decode()
    building.refresh_from_db()
    assert building.protection_zone is None


def test_several_polygons_become_a_multipolygon(surveyor, building):
    east = [[[x + 0.1, y] for x, y in CLOCKWISE]]
    two = {"type": "FeatureCollection", "features": [
        FEATURES["features"][0],
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": east}},
    ]}  # fmt: skip
    assert _upload(surveyor, building, "two.geojson", json.dumps(two).encode()).status_code == 302
    building.refresh_from_db()
    assert building.protection_zone.geom_type == "MultiPolygon"
    assert len(building.protection_zone) == 2


def test_a_viewer_sees_the_zones_on_a_map(building):
    Record.objects.filter(pk=building.pk).update(protection_zone=_square_geometry())
    reviewer = browser(user("reviewer1", "reviewer", password=None))
    page = reviewer.get(_url(building)).content.decode()
    assert 'class="zone-viewer"' in page and "zone-editor.js" in page
    assert "保护范围：1 个部分，5 个顶点" in page
    assert "<textarea" not in page.split('class="zone-viewer"')[0].rsplit("<fieldset", 1)[-1]
    assert "POLYGON" not in page  # no WKT dump


def _square_geometry():
    from django.contrib.gis.geos import GEOSGeometry

    return GEOSGeometry(json.dumps(SQUARE), srid=4326)


def test_the_bulk_log_summarises_a_zone_as_the_service_does(building):
    """log_bulk (the importer's INSERT ... SELECT) writes the same summary as `snapshot`."""
    Record.objects.filter(pk=building.pk).update(protection_zone=as_geometry(parse_zone(SQUARE)))
    building.refresh_from_db()
    audit.log_bulk(model=Record, ids_sql="SELECT %s", params=[building.pk])
    entry = ChangeLog.objects.filter(object_id=building.pk).latest("id")
    assert entry.after["protection_zone"] == bytes(building.protection_zone.wkb).hex().upper()
    assert entry.after["control_zone"] is None
    assert entry.after == audit.snapshot(building)


def test_the_change_page_with_zones_within_its_query_budget(
    surveyor, building, django_assert_max_num_queries
):
    # The zones cost no query of their own: they are columns of the record (16 on SQLite, 15
    # on PostgreSQL, measured 2026-12-02: session, user, roles, regions, record, inlines, log).
    Record.objects.filter(pk=building.pk).update(protection_zone=_square_geometry())
    with django_assert_max_num_queries(16):
        response = surveyor.get(_url(building))
    assert response.status_code == 200 and 'class="zone-editor"' in response.content.decode()


def test_a_registrar_adds_a_record_with_its_zone(building):
    registrar = browser(user("registrar1", "registrar", password=None))
    data = {
        "code": "JZ-B-0002", "kind": "building", "name": "王家大院", "level": "provincial",
        "region": "140728", "parent": "", "edit_version": "", "control_zone": json.dumps(SQUARE),
        "record_photos-TOTAL_FORMS": 0, "record_photos-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = registrar.post(reverse("admin:registry_record_add"), data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    record = Record.objects.get(code="JZ-B-0002")
    assert record.control_zone.geom_type == "Polygon" and record.protection_zone is None
    entry = ChangeLog.objects.filter(object_id=record.pk).get()
    assert entry.user.username == "registrar1"
    assert entry.after["control_zone"] == bytes(record.control_zone.wkb).hex().upper()


def test_the_change_log_page_says_what_changed(surveyor, building, admin_client):
    _post(surveyor, building, protection_zone=json.dumps(SQUARE), name="张氏宗祠（修）")
    (entry,) = _entries(building)
    page = admin_client.get(reverse("admin:registry_changelog_change", args=[entry.pk]))
    text = page.content.decode()
    assert "保护范围：已划定（5 个顶点）" in text and "名称：张氏宗祠 → 张氏宗祠（修）" in text
    # The log keeps the zone whole (the boundary before a change can be read back), and the page
    # shows its summary, not 3 MB of hex.
    assert from_wkb(bytes.fromhex(entry.after["protection_zone"]))[0] == "Polygon"
    assert "Polygon，5 个顶点" in text and entry.after["protection_zone"] not in text


def _circle(n: int, radius: float, lon=112.17, lat=37.2) -> dict:
    ring = [[round(lon + radius * math.cos(2 * math.pi * i / n), 7),
             round(lat + radius * math.sin(2 * math.pi * i / n), 7)] for i in range(n)]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


@pytest.mark.slow
def test_a_record_with_two_of_the_largest_zones_saves(surveyor, building):
    """Two zones of 99,999 positions go back with every save of the page (5 MB of text)."""
    response = _post(surveyor, building, protection_zone=json.dumps(_circle(99_998, 0.01)),
                     control_zone=json.dumps(_circle(99_998, 0.02)))  # fmt: skip
    assert response.status_code == 302
    response = _post(surveyor, building, name="张氏宗祠（修）")
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.name == "张氏宗祠（修）" and building.control_zone.num_coords == 99_999
