"""Writing exported records as exchange JSON Lines, CSV or GeoJSON, on every core.

Each format renders a chunk of records (export.py reads them CHUNK at a time) to one string.
On a large export the chunks are rendered by worker processes while this process reads the
next chunks from the database: building the dicts and encoding them is most of an export's
time, and pure Python. Workers never touch the database; they get a chunk's rows (marshal) and
give back its text. Chunks are written in order and at most a few are in flight, so the output
is the same bytes as a serial export and memory stays bounded.
"""

import csv
import io
import marshal
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple, TextIO

from django.utils import timezone

from registry.choices import (
    KINDS_WITH_PLAQUES,
    ArchiveLevel,
    Condition,
    Kind,
    Level,
    Occupancy,
    Status,
)
from registry.db import read_snapshot
from registry.models.records import plaque_hangs, status_on
from registry.models.surveys import latest_survey
from registry.spreadsheet import neutralise

from .export import Chunk, chunk_lines, chunk_records, iter_chunks
from .format import DESIGNATION_KEYS, dumps, record_line

# A small export never starts a pool: the first chunks are rendered here, and only an export
# still going after them gets workers.
SERIAL_CHUNKS = 8
IN_FLIGHT = 3

# -- CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = (
    ("编号", "code"), ("类别", "kind"), ("名称", "name"), ("英文名称", "name_en"),
    ("保护级别", "level"), ("行政区划代码", "region"), ("所属编号", "parent"),
    ("认定公布日期", "designated_on"), ("撤销日期", "revoked_on"), ("状态", "status"),
    ("地址", "address"), ("纬度", "lat"), ("经度", "lon"), ("现挂保护标志牌数", "plaques_now"),
    ("牌号", "plaque_numbers"), ("最近调查日期", "surveyed_on"), ("使用状况", "occupancy"),
    ("保存状况", "condition"), ("建造年代", "era"), ("公布批次", "designation_batch"),
    ("公布文号", "designation_document"), ("公布机关", "designation_authority"),
    ("测绘建档", "archive_level"), ("测绘建档完成日期", "archive_completed_on"),
)  # fmt: skip
# The descriptions are left out: a sheet is one short row a record, and they run to 20,000
# characters of paragraphs each (the exchange file and the record page hold them).

# Literal Chinese, as the headers are.
STATUS_TEXT = {Status.CANDIDATE: "预备名单", Status.DESIGNATED: "已认定", Status.REVOKED: "已撤销"}


def csv_row(record: dict, today: str) -> list:
    hanging = [
        p for p in record.get("plaques", ())
        if plaque_hangs(p["installed_on"], p["removed_on"], today)
    ]  # fmt: skip
    latest = latest_survey(record.get("surveys", ()), today) or {}
    designation = record["designation"] or {}
    archive = record["archive"] or {}
    values = {
        **record,
        "kind": Kind(record["kind"]).label,
        "level": Level(record["level"]).label,
        "status": STATUS_TEXT[status_on(record["designated_on"], record["revoked_on"], today)],
        "plaques_now": len(hanging) if record["kind"] in KINDS_WITH_PLAQUES else None,
        "plaque_numbers": "; ".join(p["number"] for p in hanging if p["number"]) or None,
        "surveyed_on": latest.get("surveyed_on"),
        "occupancy": Occupancy(latest["occupancy"]).label if latest else None,
        "condition": Condition(latest["condition"]).label if latest.get("condition") else None,
        **{f"designation_{key}": designation.get(key) for key in DESIGNATION_KEYS},
        "archive_level": ArchiveLevel(archive["level"]).label if archive else None,
        "archive_completed_on": archive.get("completed_on"),
    }
    return [neutralise(values[key]) for _, key in CSV_COLUMNS]


# -- One chunk of each format -----------------------------------------------------------------
# render(chunk, today) -> (text, records in it). GeoJSON features are comma-led, so that chunks
# join by concatenation; the very first comma is dropped by export().


def _render_jsonl(chunk: Chunk, today: str) -> tuple[str, int]:
    return chunk_lines(chunk), len(chunk[0])


def _render_csv(chunk: Chunk, today: str) -> tuple[str, int]:
    out = io.StringIO()
    records = chunk_records(chunk)
    csv.writer(out, lineterminator="\r\n").writerows(csv_row(r, today) for r in records)
    return out.getvalue(), len(records)


GEO_PROPERTIES = (
    "code", "kind", "name", "name_en", "level", "region", "parent", "designated_on",
    "revoked_on", "address", "era", "designation", "archive",
)  # fmt: skip


# A zone's feature says whose zone it is and which: enough to label it on a map; the record's
# other values are on its point.
ZONE_PROPERTIES = ("code", "name", "kind", "level")
ZONE_NAMES = {"protection_zone": "protection", "control_zone": "control"}


def geojson_features(record: dict) -> list[dict]:
    """A record's features, in this order: its point (at [lon, lat], with GEO_PROPERTIES) if it
    has one, then a feature for each zone it has (the zone as exported, with ZONE_PROPERTIES
    and `zone`: "protection" or "control"). A record with zones but no point has only those."""
    features = []
    if record["lat"] is not None:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
                "properties": {key: record[key] for key in GEO_PROPERTIES},
            }
        )
    return features + zone_features(record)


def zone_features(record: dict) -> list[dict]:
    """A feature for each zone of `record` (a dict with ZONE_PROPERTIES and the zones as
    GeoJSON or None): the exchange export's and the catalog download's (record_downloads.py)."""
    features = []
    for key, name in ZONE_NAMES.items():
        if record[key] is not None:
            properties = {k: record[k] for k in ZONE_PROPERTIES}
            properties["zone"] = name
            features.append({"type": "Feature", "geometry": record[key], "properties": properties})
    return features


def _render_geojson(chunk: Chunk, today: str) -> tuple[str, int]:
    """Every record of the chunk has a point or a zone (iter_chunks(mapped_only=True))."""
    records = chunk_records(chunk)
    text = "".join(
        "," + dumps(feature) + "\n" for record in records for feature in geojson_features(record)
    )
    return text, len(records)


class Format(NamedTuple):
    """How export() writes one format."""

    # A chunk's text and how many records it holds (run in a worker on a large export).
    render: Callable[[Chunk, str], tuple[str, int]]
    header: str = ""  # written before the first chunk
    footer: str = ""  # ...and after the last
    reading: dict | None = None  # what iter_chunks reads for it (None: everything)
    # Each item begins with a comma (a JSON array's separator): the file's first is dropped.
    comma_first: bool = False


FORMATS: dict[str, Format] = {
    "jsonl": Format(_render_jsonl),
    "csv": Format(
        _render_csv,
        # With a BOM: Excel reads the file as UTF-8.
        header="\ufeff" + ",".join(header for header, _ in CSV_COLUMNS) + "\r\n",
    ),
    "geojson": Format(
        _render_geojson,
        header='{"type":"FeatureCollection","features":[\n',
        footer="]}\n",
        reading={"mapped_only": True, "children": False},
        comma_first=True,
    ),
}


def export(
    out: TextIO,
    fmt: str,
    *,
    region: str | None = None,
    kind: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every matching record to `out` in format `fmt`; returns how many were written."""
    spec = FORMATS[fmt]
    today = timezone.localdate().isoformat()
    out.write(spec.header)
    count = 0
    # One snapshot for every chunk: an import committed mid-export must not leave the file with
    # a child whose parent was read before it existed (another registry would refuse it).
    with read_snapshot():
        chunks = iter_chunks(region=region, kind=kind, **(spec.reading or {}))
        for text, n in _rendered(chunks, fmt, today):
            if spec.comma_first and count == 0:
                text = text[1:]  # no comma before the first item
            out.write(text)
            count += n
            if progress:
                progress(count)
    out.write(spec.footer)
    return count


def _render(fmt: str, today: str, chunk: Chunk) -> tuple[str, int]:
    return FORMATS[fmt].render(chunk, today)


def _render_in_worker(fmt: str, today: str, payload: bytes) -> tuple[str, int]:
    return _render(fmt, today, marshal.loads(payload))


def _workers() -> int:
    return min(os.cpu_count() or 1, 4)


def _rendered(chunks: Iterator[Chunk], fmt: str, today: str) -> Iterator[tuple[str, int]]:
    """(text, records) of each chunk, in order: here for a small export or a one-core machine,
    in worker processes for the rest of a large one."""
    for _ in range(SERIAL_CHUNKS):
        chunk = next(chunks, None)
        if chunk is None:
            return
        yield _render(fmt, today, chunk)
    workers = _workers()
    if workers < 2:
        for chunk in chunks:
            yield _render(fmt, today, chunk)
        return
    # fork: the workers inherit the code; they never use the database connection they inherit.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_render_in_worker, (fmt, today, marshal.dumps(chunk))))
            if len(pending) >= IN_FLIGHT * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


# -- Records already read (the backup writes its exchange file through this) -----------------


def write_jsonl(out: TextIO, records: Iterable[dict], *, batch: int = 1000) -> int:
    count, lines = 0, []
    for count, record in enumerate(records, 1):  # noqa: B007
        lines.append(record_line(record))
        if len(lines) >= batch:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))
    return count
