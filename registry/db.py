"""Small database-vendor facts the models and raw SQL need."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet


def is_postgres() -> bool:
    """Read from the settings, not a connection: model fields ask at import time."""
    return settings.DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis"))


def code_collation() -> str | None:
    """Record codes sort in code-point order (exchange.md). SQLite's default BINARY
    collation already does; PostgreSQL needs "C" whatever the database's locale."""
    return "C" if is_postgres() else None


@contextmanager
def indexes_built_after(cursor, tables: list[str]):
    """Filling big tables (an import into an empty registry, a full rebuild of derived state):
    on SQLite, drop the tables' secondary indexes, let the caller insert, then build each index
    once with a sort instead of row by row. Creating a unique index again re-checks it.

    SQLite only: on PostgreSQL dropping an index locks readers out until commit, and CREATE
    INDEX is refused while deferred foreign-key checks are pending.

    An index on a self-referencing foreign key (a record's parent) stays: every row inserted
    makes SQLite look for its children, and without the index that is a scan of the table
    being filled, for every row."""
    if connection.vendor != "sqlite":
        yield
        return
    marks = ", ".join(["%s"] * len(tables))
    cursor.execute(
        "SELECT m.name, m.sql FROM sqlite_master m"
        f" WHERE m.type = 'index' AND m.sql IS NOT NULL AND m.tbl_name IN ({marks})"
        " AND NOT EXISTS (SELECT 1 FROM pragma_index_info(m.name) i"
        "  JOIN pragma_foreign_key_list(m.tbl_name) f"
        '  ON f."from" = i.name AND f."table" = m.tbl_name WHERE i.seqno = 0)',
        tables,
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        cursor.execute(sql)


def ids_sql(records: QuerySet | Iterable[int]) -> tuple[str, list]:
    """Records given as a queryset or as ids, as SQL for `id IN (...)` with its parameters:
    the derived-state refreshes take either."""
    if isinstance(records, QuerySet):
        if not records.query.is_sliced:  # a slice keeps its order: it picks the records
            records = records.order_by()
        sql, params = records.values("pk").query.sql_with_params()
        return sql, list(params)
    ids = [int(pk) for pk in records] or [0]  # "IN ()" is not SQL; no record has id 0
    return ", ".join(["%s"] * len(ids)), ids


@contextmanager
def read_snapshot() -> Iterator[None]:
    """One consistent view of every table for a long read (a backup, an export), without
    blocking writers: a REPEATABLE READ transaction on PostgreSQL; on SQLite a plain (deferred)
    read transaction, which WAL serves from one snapshot while surveyors keep saving (the
    project's IMMEDIATE transactions would take the write lock for the whole read). Inside a
    transaction already (a caller's, a test's), that one is the snapshot."""
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("COMMIT")
