"""The drift check of `manage.py refresh_derived --check`: is the stored derived state (the
indicator changes and totals, the search data) what a full rebuild from the records, plaques
and surveys would make? An operator runs it after mending rows by hand in SQL.

The stored rows are copied into temporary tables, the full rebuild (derived.refresh) runs in
a savepoint, both sets are compared with EXCEPT both ways, and the savepoint is rolled back:
the stored state is left exactly as it was, whatever the check found.
"""

from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from registry.models import IndicatorChange, IndicatorTotal, Record
from registry.models.indicators import FIGURES
from registry.search.query import DOCS_TABLE, FTS
from registry.services import derived

SHOWN = 20  # differences listed per kind; all of them are counted


@dataclass
class Drift:
    count: int  # every difference
    lines: list[str]  # the first SHOWN of each kind, for people


class _RolledBack(Exception):
    pass


# kind -> (table, key columns, compared columns)
_TABLES = {
    "indicator change": (
        IndicatorChange._meta.db_table,
        ("record_id", "day"),
        ("region_code", "level", *FIGURES),
    ),
    "indicator total": (IndicatorTotal._meta.db_table, ("region_code", "level", "day"), FIGURES),
    "search": (DOCS_TABLE, ("record_id",), ("terms", "sort_key")),
}


def check() -> Drift:
    """Every difference between the stored derived state and a full rebuild."""
    found = Drift(0, [])
    _check_fts(found)
    try:
        with transaction.atomic(), connection.cursor() as cur:
            for table, keys, values in _TABLES.values():
                cur.execute(f"DROP TABLE IF EXISTS {_stored(table)}")
                columns = ", ".join((*keys, *values))
                cur.execute(f"CREATE TEMP TABLE {_stored(table)} AS SELECT {columns} FROM {table}")
            derived.refresh()
            for kind, (table, keys, values) in _TABLES.items():
                _compare(cur, kind, table, keys, values, found)
            raise _RolledBack  # the rebuild (and the copies) go: nothing stored has changed
    except _RolledBack:
        pass
    with connection.cursor() as cur:  # SQLite keeps temp tables made in a rolled-back block
        for table, _keys, _values in _TABLES.values():
            cur.execute(f"DROP TABLE IF EXISTS {_stored(table)}")
    return found


def _check_fts(found: Drift) -> None:
    """SQLite: is the FTS5 index what the search data it indexes says? (It is told of each
    change by search_index.refresh, so a row changed by hand in SQL leaves it behind.)"""
    if connection.vendor != "sqlite":
        return  # PostgreSQL's GIN index is the database's own, always current
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"INSERT INTO {FTS} ({FTS}, rank) VALUES ('integrity-check', 1)")
    except DatabaseError:  # SQLite words it "database disk image is malformed"
        found.count += 1
        found.lines.append("search index: the FTS5 index differs from the search data")


def _stored(table: str) -> str:
    return f"drift_{table}"


def _compare(cur, kind: str, table: str, keys: tuple, values: tuple, found: Drift) -> None:
    columns = ", ".join((*keys, *values))
    key_list = ", ".join(keys)
    stored_only = f"SELECT {columns} FROM {_stored(table)} EXCEPT SELECT {columns} FROM {table}"
    rebuilt_only = f"SELECT {columns} FROM {table} EXCEPT SELECT {columns} FROM {_stored(table)}"
    cur.execute(
        f"SELECT COUNT(*) FROM (SELECT {key_list} FROM ({stored_only}) a"
        f" UNION SELECT {key_list} FROM ({rebuilt_only}) b) d"
    )
    count = cur.fetchone()[0]
    if not count:
        return
    found.count += count
    rows: dict[tuple, dict[str, tuple]] = {}
    for side, sql in (("stored", stored_only), ("rebuilt", rebuilt_only)):
        cur.execute(f"SELECT * FROM ({sql}) d ORDER BY {key_list} LIMIT {SHOWN}")
        for row in cur.fetchall():
            rows.setdefault(tuple(row[: len(keys)]), {})[side] = tuple(row[len(keys) :])
    codes = _codes(cur, [key[0] for key in rows]) if keys[0] == "record_id" else {}
    for key in sorted(rows, key=lambda k: tuple(map(str, k)))[:SHOWN]:
        found.lines.append(_line(kind, keys, key, values, rows[key], codes))
    if count > SHOWN:
        found.lines.append(f"{kind}: … and {count - SHOWN} more")


def _line(kind, keys, key, values, sides, codes) -> str:
    names = []
    for name, value in zip(keys, key, strict=True):
        if name == "record_id":
            names.append(f"record {codes.get(value, f'#{value}')}")
        elif name == "region_code":
            names.append(f"region {value}")
        else:
            names.append(f"{name} {value}")
    where = " ".join(names)
    if kind == "search":
        if "stored" in sides and "rebuilt" in sides:
            return f"{kind}: {where}: keys differ"
        return f"{kind}: {where}: " + ("missing" if "rebuilt" in sides else "not a record's")

    def shown(side):
        if side not in sides:
            return "none"
        return ", ".join(f"{n}={v}" for n, v in zip(values, sides[side], strict=True))

    return f"{kind}: {where}: stored {shown('stored')}; rebuilt {shown('rebuilt')}"


def _codes(cur, ids: list) -> dict:
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    cur.execute(f"SELECT id, code FROM {Record._meta.db_table} WHERE id IN ({marks})", ids)
    return dict(cur.fetchall())
