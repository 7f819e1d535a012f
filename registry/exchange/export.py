"""Export the catalog (exchange.md): streamed in code order, deterministic to the byte.

Records are read in keyset-paginated chunks (WHERE code > last ORDER BY code), and each chunk's
plaques and approved surveys in one query each: three queries a chunk, bounded memory, and the
same output on SQLite and PostgreSQL (ties and NULLs are ordered in Python, not by the
database, whose NULL ordering differs). Parents' codes come from one map read first: only
cities, towns, villages and districts can be parents (a few tens of thousands), and a self-join
that looked each one up beside its child took most of a chunk's time at a million records
(bench/exchange.py times the export).
"""

from collections import defaultdict
from collections.abc import Iterator

from django.contrib.gis.db.models.functions import AsWKB
from django.db import connection
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from registry.choices import (
    ALLOWED_PARENT_KINDS,
    KINDS_WITH_PLAQUES,
    KINDS_WITH_SURVEYS,
    SurveyState,
)
from registry.models import Plaque, Record, Survey
from registry.regionscope import region_q
from registry.zones.geometry import zone_from_wkb

from .format import (
    ARCHIVE_KEYS,
    DESIGNATION_KEYS,
    PLAQUE_KEYS,
    RECORD_KEYS,
    SURVEY_KEYS,
    ZONE_KEYS,
    dumps,
    template,
    text,
    value,
)

CHUNK = 2000
ZONE_WKB = ("protection_wkb", "control_wkb")  # the zones (ZONE_KEYS) read as WKB
MAPPED = Q(lat__isnull=False) | Q(protection_zone__isnull=False) | Q(control_zone__isnull=False)
RECORD_FIELDS = (
    "id", "kind", "code", "name", "name_en", "level", "region_id", "parent_id",
    "designated_text", "revoked_text", "address", "lat", "lon", "era", "description",
    "description_en", "designation_batch", "designation_document", "designation_authority",
    "archive_level", "archive_text", *ZONE_WKB,
)  # fmt: skip
# The keys written straight from a row (kind ... description_en), before the objects.
SCALAR_KEYS = RECORD_KEYS[: RECORD_KEYS.index("designation")]


def _text(field: str) -> Cast:
    """A date read as its ISO text by the database: no per-value conversion in Python."""
    return Cast(field, CharField())


def _plaque_order(installed: str, number: str | None, removed: str | None) -> tuple:
    """A record's plaques in the spec's order (installed, then number, then removed; no value
    before any), whatever order the database gave them in."""
    return (installed, number is not None, number or "", removed is not None, removed or "")


def _plaque_key(p: dict) -> tuple:
    return _plaque_order(p["installed_on"], p["number"], p["removed_on"])


def records_queryset(*, region: str | None = None, kind: str | None = None):
    qs = Record.objects.all()
    if region:
        qs = qs.filter(region_q(region))
    if kind:
        qs = qs.filter(kind=kind)
    return qs


# (records, plaques, surveys, parents' codes by id) of one chunk, as the database gave them:
# plain tuples of str, int, float, bytes (the zones' WKB) and None, which marshal moves between
# processes cheaply.
Chunk = tuple[list[tuple], list[tuple], list[tuple], dict[int, str]]
PARENT = RECORD_FIELDS.index("parent_id")
CAN_BE_PARENT = sorted(set().union(*ALLOWED_PARENT_KINDS.values()))


def iter_chunks(
    *,
    region: str | None = None,
    kind: str | None = None,
    children: bool = True,
    mapped_only: bool = False,
) -> Iterator[Chunk]:
    """The matching records by code, CHUNK at a time, with their plaques and approved surveys.

    The three queries are compiled by the ORM once and then run on a cursor for each chunk
    (WHERE code > the chunk before's last code), rather than built anew for each chunk."""
    base = records_queryset(region=region, kind=kind).order_by("code")
    if mapped_only:  # what a map shows: a point or a zone
        base = base.filter(MAPPED)
    page = base.filter(code__gt=_AFTER)[:CHUNK]
    records = _compiled(
        page.annotate(
            designated_text=_text("designated_on"),
            revoked_text=_text("revoked_on"),
            archive_text=_text("archive_completed_on"),
            **{name: AsWKB(key) for name, key in zip(ZONE_WKB, ZONE_KEYS, strict=True)},
        ).values_list(*RECORD_FIELDS)
    )
    plaques, surveys = _children(page.values("id")) if children else (None, None)
    parent_codes = dict(Record.objects.filter(kind__in=CAN_BE_PARENT).values_list("id", "code"))
    after = ""  # the last code of the chunk before; every code is longer (never empty)
    with connection.cursor() as cursor:
        while rows := _bytes(_run(cursor, records, after)):
            kinds = {row[1] for row in rows}
            plaque_rows = _run(cursor, plaques, after) if kinds & KINDS_WITH_PLAQUES else []
            survey_rows = _run(cursor, surveys, after) if kinds & KINDS_WITH_SURVEYS else []
            after = rows[-1][2]
            yield rows, plaque_rows, survey_rows, _parents(rows, parent_codes)


def _parents(rows: list[tuple], known: dict[int, str]) -> dict[int, str]:
    """The codes of the chunk's parents; one saved since the map was read is looked up."""
    ids = {row[PARENT] for row in rows}
    ids.discard(None)
    if missing := ids - known.keys():
        known.update(Record.objects.filter(id__in=missing).values_list("id", "code"))
    return {pk: known[pk] for pk in ids}


_ZONES_AT = RECORD_FIELDS.index(ZONE_WKB[0])


def _bytes(rows: list[tuple]) -> list[tuple]:
    """The rows with their zones' WKB as bytes, which marshal takes (a driver may give a
    memoryview); rows without zones (most) are kept as they are."""
    out = []
    for row in rows:
        protection, control = row[_ZONES_AT:]
        if (protection is not None and type(protection) is not bytes) or (
            control is not None and type(control) is not bytes
        ):
            zones = (None if z is None else bytes(z) for z in (protection, control))
            row = (*row[:_ZONES_AT], *zones)
        out.append(row)
    return out


def zone(wkb: bytes | None) -> dict | None:
    """A stored zone as the GeoJSON the export writes: RFC 7946 orientation, type first."""
    return None if wkb is None else zone_from_wkb(wkb).geojson()


def _zone_text(wkb: bytes | None) -> str:
    return "null" if wkb is None else dumps(zone(wkb))


# Compiled in place of the chunk's lower bound, then replaced by it: no code holds a NUL.
_AFTER = "\x00after\x00"


def _compiled(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _run(cursor, compiled: tuple[str, list] | None, after: str) -> list[tuple]:
    if compiled is None:
        return []
    sql, params = compiled
    cursor.execute(sql, [after if p == _AFTER else p for p in params])
    return cursor.fetchall()


def chunk_records(chunk: Chunk) -> list[dict]:
    """Exchange dicts (keys in the spec's order) of one chunk's records."""
    rows, plaque_rows, survey_rows, parents = chunk
    plaques: dict[int, list] = defaultdict(list)
    surveys: dict[int, list] = defaultdict(list)
    for record_id, number, installed, removed in plaque_rows:
        plaques[record_id].append(
            {"number": number, "installed_on": installed, "removed_on": removed}
        )
    for building_id, day, occupancy, condition, use, surveyor, notes in survey_rows:
        surveys[building_id].append(
            {"surveyed_on": day, "occupancy": occupancy, "condition": condition,
             "use": use, "surveyor": surveyor, "notes": notes}
        )  # fmt: skip
    return [_record(row, plaques, surveys, parents) for row in rows]


# The scalar keys, designation, archive and the zones make the line's fixed part; plaques and
# surveys follow.
_RECORD = template((*SCALAR_KEYS, "designation", "archive", *ZONE_KEYS))
# Most records have no zone: their line ends with this text, not two more value() calls.
_NULL_ZONES = template(ZONE_KEYS).replace("{", ",", 1) % ("null", "null")
_RECORD_NO_ZONES = template((*SCALAR_KEYS, "designation", "archive")) + _NULL_ZONES
_DESIGNATION = template(DESIGNATION_KEYS) + "}"
_ARCHIVE = template(ARCHIVE_KEYS) + "}"
_PLAQUE = template(PLAQUE_KEYS) + "}"
_SURVEY = template(SURVEY_KEYS) + "}"


def chunk_lines(chunk: Chunk) -> str:
    """The exchange lines of one chunk's records: the text record_line() makes of
    chunk_records(), written from the rows without building dicts first, which is faster at
    a million records (bench/exchange.py times the export; tests/test_export_parallel.py holds
    the two equal)."""
    rows, plaque_rows, survey_rows, parents = chunk
    plaques: dict[int, list] = defaultdict(list)
    surveys: dict[int, list] = defaultdict(list)
    for record_id, number, installed, removed in plaque_rows:
        plaques[record_id].append((installed, number, removed))
    # Columns the database holds NOT NULL go straight to the escaper (text, never None); the
    # others through value(). This loop is most of an export's time.
    for building_id, day, occupancy, condition, use, surveyor, notes in survey_rows:
        surveys[building_id].append(
            _SURVEY % (text(day), text(occupancy), value(condition), value(use), value(surveyor),
                       value(notes))
        )  # fmt: skip
    lines = []
    for (
        rid,
        kind,
        code,
        name,
        name_en,
        level,
        region,
        parent,
        day,
        revoked,
        address,
        lat,
        lon,
        era,
        description,
        description_en,
        batch,
        document,
        authority,
        archive_level,
        archive_day,
        protection,
        control,
    ) in rows:
        values = (
            text(kind), text(code), text(name), value(name_en), text(level), text(region),
            value(parents.get(parent)), value(day), value(revoked), value(address), value(lat),
            value(lon), value(era), value(description), value(description_en),
            "null" if batch is None and document is None and authority is None
            else _DESIGNATION % (value(batch), value(document), value(authority)),
            "null" if archive_level is None
            else _ARCHIVE % (text(archive_level), text(archive_day)),
        )  # fmt: skip
        if protection is None and control is None:
            line = _RECORD_NO_ZONES % values
        else:
            line = _RECORD % (*values, _zone_text(protection), _zone_text(control))
        if kind in KINDS_WITH_PLAQUES:
            mine = plaques.get(rid, ())
            if len(mine) > 1:
                mine = sorted(mine, key=lambda p: _plaque_order(*p))
            hung = ",".join(_PLAQUE % (value(n), text(i), value(r)) for i, n, r in mine)
            line += f',"plaques":[{hung}]'
        if kind in KINDS_WITH_SURVEYS:
            line += f',"surveys":[{",".join(surveys.get(rid, ()))}]'
        lines.append(line + "}\n")
    return "".join(lines)


def iter_records(**filters) -> Iterator[dict]:
    """Exchange dicts for every matching record, by code (filters as for iter_chunks)."""
    for chunk in iter_chunks(**filters):
        yield from chunk_records(chunk)


def _children(ids) -> tuple[tuple[str, list], tuple[str, list]]:
    """The compiled queries of a chunk's plaques and approved surveys. `ids` is the chunk as a
    subquery: a list of 2,000 ids would cost more to send than the query itself. Plaques come
    in no particular order (_record sorts a record's few), surveys by day."""
    plaques = (
        Plaque.objects.filter(record_id__in=ids)
        .order_by()
        .annotate(installed=_text("installed_on"), removed=_text("removed_on"))
        .values_list("record_id", "number", "installed", "removed")
    )
    surveys = (
        Survey.objects.filter(building_id__in=ids, state=SurveyState.APPROVED)
        .order_by("building_id", "surveyed_on")  # one approved survey a day: a total order
        .annotate(day=_text("surveyed_on"))
        .values_list("building_id", "day", "occupancy", "condition", "use", "surveyor", "notes")
    )
    return _compiled(plaques), _compiled(surveys)


_DESIGNATION_AT = RECORD_FIELDS.index("designation_batch")
_ARCHIVE_AT = RECORD_FIELDS.index("archive_level")
_NO_DESIGNATION = (None,) * len(DESIGNATION_KEYS)


def _record(row: tuple, plaques: dict, surveys: dict, parents: dict) -> dict:
    """A row (RECORD_FIELDS) as an exchange dict, its parent's id read as the parent's code."""
    rid, kind = row[0], row[1]
    scalars = (*row[1:PARENT], parents.get(row[PARENT]), *row[PARENT + 1 : _DESIGNATION_AT])
    record = dict(zip(SCALAR_KEYS, scalars, strict=True))
    designation = row[_DESIGNATION_AT:_ARCHIVE_AT]
    record["designation"] = (
        dict(zip(DESIGNATION_KEYS, designation, strict=True))
        if designation != _NO_DESIGNATION
        else None
    )
    level, day = row[_ARCHIVE_AT:_ZONES_AT]
    record["archive"] = None if level is None else {"level": level, "completed_on": day}
    for key, wkb in zip(ZONE_KEYS, row[_ZONES_AT:], strict=True):
        record[key] = zone(wkb)
    if kind in KINDS_WITH_PLAQUES:
        mine = plaques.get(rid, [])
        record["plaques"] = sorted(mine, key=_plaque_key) if len(mine) > 1 else mine
    if kind in KINDS_WITH_SURVEYS:
        # Already by day: the query orders them (from the index on building, state, day).
        record["surveys"] = surveys.get(rid, [])
    return record
