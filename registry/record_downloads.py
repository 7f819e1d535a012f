"""The catalog's results (any filters of registry/filtersets.py) as CSV, xlsx or GeoJSON: the
search page's download links (registry/views/catalog.py) and the API's
/api/v1/records/download/ (registry/api/records.py) answer with `response()`.

Memory stays bounded whatever the number of results: the records are read in chunks of CHUNK
in code order, each chunk the next after the last code read (keyset pagination: no OFFSET,
every chunk one indexed query), and written out as they come. CSV and GeoJSON stream to the
client; an xlsx is a zip archive, which openpyxl writes in write-only mode (rows go to a
temporary file as they are appended) and zips into a temporary file at the end; that file is
then streamed. Text cells are escaped as every spreadsheet the registry writes
(registry/spreadsheet.py).
"""

import csv
import datetime
import io
import json
import tempfile
from collections.abc import Iterator

from django.contrib.gis.db.models.functions import AsWKB
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from registry.choices import Kind, Level, Status
from registry.exchange.export import MAPPED, zone
from registry.exchange.writers import ZONE_NAMES, zone_features
from registry.models.records import status_on
from registry.models.regions import english_wanted
from registry.selectors import records as selectors
from registry.spreadsheet import neutralise, text_cell

FORMATS = ("csv", "xlsx", "geojson")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
CHUNK = 2000
# An xlsx is built whole before its first byte is sent (a zip needs its end): the build holds a
# worker, and gunicorn's sync workers are killed after 60 s without a byte. Capped far below a
# sheet's 1,048,575 rows so that a full build stays inside that (`python -m
# bench.download_memory xlsx` times one); beyond, CSV streams the same rows.
XLSX_MAX_ROWS = 50_000
FIELDS = (
    "code",
    "name",
    "name_en",
    "kind",
    "level",
    "region_id",
    "region__name",
    "region__name_en",
    "designated_on",
    "revoked_on",
    "lat",
    "lon",
    "plaqued",
    "occupancy",
)


def columns() -> list[tuple[str, str]]:
    """(column, header) in file order; headers in the active language."""
    return [
        ("code", _("编号")),
        ("name", _("名称")),
        ("name_en", _("英文名称")),
        ("kind", _("类别")),
        ("level", _("保护级别")),
        ("region", _("行政区划代码")),
        ("region_name", _("行政区划")),
        ("status", _("状态")),
        ("designated_on", _("认定公布日期")),
        ("plaqued", _("挂牌")),
        ("occupancy", _("使用状况")),
        ("lat", _("纬度")),
        ("lon", _("经度")),
    ]


def rows(queryset, as_of: datetime.date) -> Iterator[dict]:
    """The records of `queryset` in code order with their state on `as_of`, one dict each,
    read CHUNK at a time after the last code read. Region names in the language active now:
    a streamed body is written after the view has returned."""
    english = english_wanted()
    return _rows(queryset, as_of, english)


def _rows(queryset, as_of: datetime.date, english: bool, zones=False) -> Iterator[dict]:
    """With `zones`, each row also holds the record's zones as GeoJSON (or None), under their
    exchange keys."""
    ordered = selectors.with_current_state(queryset.order_by("code"), as_of, condition=False)
    fields = FIELDS
    if zones:
        ordered = ordered.annotate(**{f"{key}_wkb": AsWKB(key) for key in ZONE_NAMES})
        fields = (*FIELDS, *(f"{key}_wkb" for key in ZONE_NAMES))
    last = None
    while True:
        chunk = ordered if last is None else ordered.filter(code__gt=last)
        batch = list(chunk.values(*fields)[:CHUNK])
        for row in batch:
            for key in ZONE_NAMES if zones else ():
                row[key] = zone(row.pop(f"{key}_wkb"))
            row["status"] = status_on(row["designated_on"], row["revoked_on"], as_of)
            row["region"] = row["region_id"]
            row["region_name"] = (english and row["region__name_en"]) or row["region__name"]
            yield row
        if len(batch) < CHUNK:
            return
        last = batch[-1]["code"]


def _labels() -> dict[str, dict]:
    """Enum values as the user reads them, resolved now: a streamed body is written after the
    view has returned."""
    return {
        "kind": {k: str(v) for k, v in Kind.choices},
        "level": {k: str(v) for k, v in Level.choices},
        "status": {k: str(v) for k, v in Status.choices},
        "occupancy": {k: str(v) for k, v in selectors.OCCUPANCY_CHOICES},
        "plaqued": {True: _("是"), False: _("否")},
    }


def _shown(row: dict, labels: dict) -> list:
    """A row's cells: labels for enums, None for nothing, dates and numbers as they are."""
    cells = []
    for name, _header in columns():
        value = row[name]
        if name in labels and value is not None:
            value = labels[name].get(value, value)
        cells.append(value)
    return cells


def csv_chunks(queryset, as_of) -> Iterator[bytes]:
    """UTF-8 with a BOM, as the indicator CSV (registry/indicator_formats.py)."""
    labels, out = _labels(), io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _name, header in columns()])
    yield "\ufeff".encode() + _drain(out)
    for n, row in enumerate(rows(queryset, as_of), 1):
        writer.writerow(["" if v is None else neutralise(v) for v in _shown(row, labels)])
        if n % CHUNK == 0:
            yield _drain(out)
    yield _drain(out)


def _drain(out: io.StringIO) -> bytes:
    data = out.getvalue().encode("utf-8")
    out.seek(0)
    out.truncate()
    return data


def geojson_chunks(queryset, as_of) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection of the records that have coordinates or zones: a Point at
    [lon, lat] for each that has coordinates, raw values in the properties; then a feature for
    each of its zones, as the exchange export writes them (writers.zone_features: the zone in
    RFC 7946 orientation, properties code, name, kind, level and zone "protection" or
    "control")."""
    yield b'{"type":"FeatureCollection","features":['
    parts, first = [], True
    for row in _rows(queryset.filter(MAPPED), as_of, english_wanted(), zones=True):
        features = zone_features(row)
        if row["lat"] is not None:
            point = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {k: row[k] for k in ("code", "name", "kind", "level", "region")},
            }
            features.insert(0, point)
        parts.extend(
            ("" if first and i == 0 else ",") + json.dumps(feature, ensure_ascii=False)
            for i, feature in enumerate(features)
        )
        first = False
        if len(parts) >= CHUNK:
            yield "".join(parts).encode("utf-8")
            parts = []
    yield ("".join(parts) + "]}").encode("utf-8")


def xlsx_file(queryset, as_of):
    """A temporary file holding the workbook, at its start."""
    labels = _labels()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("保护对象"))
    sheet.append([text_cell(sheet, header) for _name, header in columns()])
    for row in rows(queryset, as_of):
        sheet.append([_xlsx_cell(sheet, value) for value in _shown(row, labels)])
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it once sent
    workbook.save(out)
    out.seek(0)
    return out


def _xlsx_cell(sheet, value):
    if isinstance(value, str):
        return text_cell(sheet, value)  # never a formula, whatever it starts with
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def filename(fmt: str, as_of: datetime.date) -> str:
    return f"records-{as_of.isoformat()}.{fmt}"


def response(queryset, as_of: datetime.date, fmt: str):
    """The download of `queryset` (a filtered catalog queryset) as of `as_of` in `fmt`."""
    name = filename(fmt, as_of)
    if fmt == "xlsx":
        if queryset.count() > XLSX_MAX_ROWS:
            message = _("结果超过 xlsx 下载的上限（%(n)s 行），请下载 CSV 或缩小范围。")
            return HttpResponseBadRequest(
                message % {"n": XLSX_MAX_ROWS}, content_type="text/plain; charset=utf-8"
            )
        return FileResponse(
            xlsx_file(queryset, as_of),
            as_attachment=True,
            filename=name,
            content_type=CONTENT_TYPES[fmt],
        )
    chunks = csv_chunks if fmt == "csv" else geojson_chunks
    stream = StreamingHttpResponse(chunks(queryset, as_of), content_type=CONTENT_TYPES[fmt])
    stream["Content-Disposition"] = f'attachment; filename="{name}"'
    return stream
