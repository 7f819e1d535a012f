"""Export the catalog (exchange.md): streamed in code order, deterministic to the byte.

Records are read in keyset-paginated chunks (WHERE code > last ORDER BY code), and each chunk's
plaques and approved surveys in one query each: three queries a chunk, bounded memory, and the
same output on SQLite and PostgreSQL (ties and NULLs are ordered in Python, not by the
database, whose NULL ordering differs).
"""

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TextIO

from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone

from registry.choices import (
    KINDS_WITH_PLAQUES,
    KINDS_WITH_SURVEYS,
    Condition,
    Kind,
    Level,
    Occupancy,
    SurveyState,
)
from registry.models import Plaque, Record, Survey
from registry.regionscope import region_q

from .format import dumps, record_line

CHUNK = 2000
RECORD_FIELDS = (
    "id", "kind", "code", "name", "name_en", "level", "region_id", "parent__code",
    "designated_text", "revoked_text", "address", "lat", "lon",
)  # fmt: skip


def _text(field: str) -> Cast:
    """A date read as its ISO text by the database: no per-value conversion in Python."""
    return Cast(field, CharField())


def _plaque_key(p: dict):
    return (p["installed_on"], p["number"] is not None, p["number"] or "",
            p["removed_on"] is not None, p["removed_on"] or "")  # fmt: skip


def records_queryset(*, region: str | None = None, kind: str | None = None):
    qs = Record.objects.all()
    if region:
        qs = qs.filter(region_q(region))
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def iter_records(
    *,
    region: str | None = None,
    kind: str | None = None,
    children: bool = True,
    located_only: bool = False,
) -> Iterator[dict]:
    """Exchange dicts (keys in the spec's order) for every matching record, by code."""
    base = records_queryset(region=region, kind=kind).order_by("code")
    if located_only:
        base = base.filter(lat__isnull=False)
    last = None
    while True:
        page = (base.filter(code__gt=last) if last is not None else base)[:CHUNK]
        chunk = list(
            page.annotate(
                designated_text=_text("designated_on"), revoked_text=_text("revoked_on")
            ).values_list(*RECORD_FIELDS)
        )
        if not chunk:
            return
        last = chunk[-1][2]
        kinds = {row[1] for row in chunk}
        plaques, surveys = _children(page.values("id"), kinds) if children else ({}, {})
        for row in chunk:
            yield _record(row, plaques, surveys)


def _children(ids, kinds: set[str]) -> tuple[dict, dict]:
    """The chunk's plaques and approved surveys. `ids` is the chunk as a subquery: a list of
    2,000 ids would cost more in Django's parameter handling than the query itself."""
    plaques: dict[int, list] = defaultdict(list)
    surveys: dict[int, list] = defaultdict(list)
    if kinds & KINDS_WITH_PLAQUES:
        for record_id, number, installed, removed in (
            Plaque.objects.filter(record_id__in=ids)
            .annotate(installed=_text("installed_on"), removed=_text("removed_on"))
            .values_list("record_id", "number", "installed", "removed")
        ):
            plaques[record_id].append(
                {"number": number, "installed_on": installed, "removed_on": removed}
            )
    if kinds & KINDS_WITH_SURVEYS:
        for building_id, day, occupancy, condition, use, surveyor, notes in (
            Survey.objects.filter(building_id__in=ids, state=SurveyState.APPROVED)
            .order_by("building_id", "surveyed_on")  # one approved survey a day: a total order
            .annotate(day=_text("surveyed_on"))
            .values_list("building_id", "day", "occupancy", "condition", "use", "surveyor", "notes")
        ):
            surveys[building_id].append(
                {"surveyed_on": day, "occupancy": occupancy, "condition": condition,
                 "use": use, "surveyor": surveyor, "notes": notes}
            )  # fmt: skip
    return plaques, surveys


def _record(row: tuple, plaques: dict, surveys: dict) -> dict:
    (
        rid,
        kind,
        code,
        name,
        name_en,
        level,
        region,
        parent,
        designated,
        revoked,
        address,
        lat,
        lon,
    ) = row
    record = {
        "kind": kind, "code": code, "name": name, "name_en": name_en, "level": level,
        "region": region, "parent": parent, "designated_on": designated,
        "revoked_on": revoked, "address": address, "lat": lat, "lon": lon,
    }  # fmt: skip
    if kind in KINDS_WITH_PLAQUES:
        mine = plaques.get(rid, [])
        record["plaques"] = sorted(mine, key=_plaque_key) if len(mine) > 1 else mine
    if kind in KINDS_WITH_SURVEYS:
        # Already by day: the query orders them (from the index on building, state, day).
        record["surveys"] = surveys.get(rid, [])
    return record


# -- writers ---------------------------------------------------------------------------------


def write_jsonl(out: TextIO, records: Iterable[dict], *, batch: int = 1000) -> int:
    count, lines = 0, []
    for count, record in enumerate(records, 1):  # noqa: B007
        lines.append(record_line(record))
        if len(lines) >= batch:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))
    return count


CSV_COLUMNS = (
    ("编号", "code"), ("类别", "kind"), ("名称", "name"), ("英文名称", "name_en"),
    ("保护级别", "level"), ("行政区划代码", "region"), ("所属编号", "parent"),
    ("认定公布日期", "designated_on"), ("撤销日期", "revoked_on"), ("状态", "status"),
    ("地址", "address"), ("纬度", "lat"), ("经度", "lon"), ("现挂保护标志牌数", "plaques_now"),
    ("牌号", "plaque_numbers"), ("最近调查日期", "surveyed_on"), ("使用状况", "occupancy"),
    ("保存状况", "condition"),
)  # fmt: skip
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _status(record: dict, today: str) -> str:
    if record["designated_on"] is None or record["designated_on"] > today:
        return "预备名单"
    if record["revoked_on"] is not None and record["revoked_on"] <= today:
        return "已撤销"
    return "已认定"


def csv_row(record: dict, today: str) -> list:
    hanging = [
        p for p in record.get("plaques", ())
        if p["installed_on"] <= today and (p["removed_on"] is None or p["removed_on"] > today)
    ]  # fmt: skip
    latest = next((s for s in reversed(record.get("surveys", ())) if s["surveyed_on"] <= today), {})
    values = {
        **record,
        "kind": Kind(record["kind"]).label,
        "level": Level(record["level"]).label,
        "status": _status(record, today),
        "plaques_now": len(hanging) if record["kind"] in KINDS_WITH_PLAQUES else None,
        "plaque_numbers": "; ".join(p["number"] for p in hanging if p["number"]) or None,
        "surveyed_on": latest.get("surveyed_on"),
        "occupancy": Occupancy(latest["occupancy"]).label if latest else None,
        "condition": Condition(latest["condition"]).label if latest.get("condition") else None,
    }
    return [neutralise(values[key]) for _, key in CSV_COLUMNS]


def write_csv(out: TextIO, records: Iterable[dict]) -> int:
    """UTF-8 with BOM (so Excel reads Chinese), one row a record, Chinese headers."""
    today = timezone.localdate().isoformat()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _ in CSV_COLUMNS])
    count = 0
    for count, record in enumerate(records, 1):  # noqa: B007
        writer.writerow(csv_row(record, today))
    return count


GEO_PROPERTIES = (
    "code", "kind", "name", "name_en", "level", "region", "parent", "designated_on",
    "revoked_on", "address",
)  # fmt: skip


def write_geojson(out: TextIO, records: Iterable[dict]) -> int:
    """A FeatureCollection of the records that have coordinates, written as it streams."""
    out.write('{"type":"FeatureCollection","features":[\n')
    count = 0
    for record in records:
        if record["lat"] is None:
            continue
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
            "properties": {key: record[key] for key in GEO_PROPERTIES},
        }
        out.write(("," if count else "") + dumps(feature) + "\n")
        count += 1
    out.write("]}\n")
    return count
