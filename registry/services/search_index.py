"""Keeps the catalog's search data (registry/models/search.py) equal to what the records say:
the write side of the search index. What the keys are is registry/search/keys.py; how a search
asks the index, registry/search/query.py.

Who calls `refresh`: registry/services/derived.py only, the one way every write (the importer,
the survey import, restore, the ORM signals, `manage.py refresh_derived`) brings the derived
state up to date.
The index itself (an FTS5 table on SQLite, a GIN index on PostgreSQL) was created by migration
0004, with the DDL and the rebuild frozen in registry/migrations/_search_rebuild_v1.py;
create_index_sql() below is the same DDL, for the full refresh that drops and rebuilds the GIN
index.
"""

import json
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from django.db import connection, transaction
from django.db.models import QuerySet

from registry.db import ids_sql
from registry.models import Record, Region
from registry.search.keys import record_terms, sort_key
from registry.search.query import DOCS_TABLE, FTS, GIN, LEXEMES

RECORDS_TABLE = Record._meta.db_table
REGIONS_TABLE = Region._meta.db_table
BATCH = 20_000
# Any constant: serialises concurrent refreshes on PostgreSQL (SQLite serialises writers).
LOCK_KEY = 7_260_2261


# --- Refresh ------------------------------------------------------------------------------


def refresh(records: QuerySet | Iterable[int] | None = None) -> None:
    """Recompute the search data of `records` (a Record queryset or record ids; None: all)."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cur:
        if postgres:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if records is None:
            where, params = "1 = 1", []
            if postgres:
                # Refilled, then indexed in one pass: faster than a GIN kept current row by row.
                cur.execute(f"DROP INDEX IF EXISTS {GIN}")
                cur.execute(f"TRUNCATE {DOCS_TABLE}")
            else:
                cur.execute(f"DELETE FROM {DOCS_TABLE}")
                cur.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('delete-all')")
        else:
            ids, params = ids_sql(records)
            where = f"r.id IN ({ids})"
            if not postgres:
                # External content: FTS5 must be told the old keys to forget them.
                cur.execute(
                    f"INSERT INTO {FTS} ({FTS}, rowid, terms) SELECT 'delete', record_id, terms"
                    f" FROM {DOCS_TABLE} WHERE record_id IN ({ids})",
                    params,
                )
            cur.execute(f"DELETE FROM {DOCS_TABLE} WHERE record_id IN ({ids})", params)
        _write_docs(cur, where, params, postgres)
        if records is None:
            if postgres:
                cur.execute(create_index_sql())
            # Statistics let the planner start from the few matches of a search rather than
            # from an index on kind or level that covers most of the registry. Cheap on
            # SQLite (it samples), and the records table is as the import left it.
            cur.execute(f"ANALYZE {DOCS_TABLE}" if postgres else f"ANALYZE {RECORDS_TABLE}")


def _write_docs(cur, where: str, params: list, postgres: bool) -> None:
    """Computes and writes the keys of the records `where` selects, in batches by id (keyset
    paging: bounded memory, no server-side cursor).

    A large refresh is about as much Python (reading pinyin) as database work (FTS5 indexing),
    so from the second batch on the keys are computed in a worker process while this one
    writes and indexes the batch before. On SQLite a batch is two statements (JSON in,
    json_each out) rather than a statement per row."""
    # The names of the record's region and of the region's parent and grandparent (a county
    # has both, a prefecture one, a province none; Beijing's districts lie in the province).
    select = (
        f"SELECT r.id, r.name, r.code, r.kind, r.level, r.region_id, r.name_en,"
        f" g1.name, g2.name, g3.name FROM {RECORDS_TABLE} r"
        f" LEFT JOIN {REGIONS_TABLE} g1 ON g1.code = r.region_id"
        f" LEFT JOIN {REGIONS_TABLE} g2 ON g2.code = g1.parent_id"
        f" LEFT JOIN {REGIONS_TABLE} g3 ON g3.code = g2.parent_id"
        f" WHERE {where} AND r.id > %s ORDER BY r.id LIMIT {BATCH}"
    )
    cur.execute(select, [*params, 0])
    rows = cur.fetchall()
    if len(rows) < BATCH:  # a few records: no worker
        _insert(cur, _docs(rows), postgres)
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")) as pool:
        pending = pool.submit(_docs, rows)
        while rows:
            cur.execute(select, [*params, rows[-1][0]])
            rows = cur.fetchall()
            docs = pending.result()
            if rows:
                pending = pool.submit(_docs, rows)
            _insert(cur, docs, postgres)


def _insert(cur, docs: list[tuple[int, str, str]], postgres: bool) -> None:
    if postgres:
        cur.executemany(
            f"INSERT INTO {DOCS_TABLE} (record_id, terms, sort_key) VALUES (%s, %s, %s)", docs
        )
        return
    batch = json.dumps(docs, ensure_ascii=False)
    cur.execute(
        f"INSERT INTO {DOCS_TABLE} (record_id, terms, sort_key)"
        " SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(%s)",
        [batch],
    )
    cur.execute(
        f"INSERT INTO {FTS} (rowid, terms) SELECT value ->> 0, value ->> 1 FROM json_each(%s)",
        [batch],
    )


def _docs(rows: list[tuple]) -> list[tuple[int, str, str]]:
    return [
        (pk, record_terms(name, code, kind, level, region, name_en, places), sort_key(name, code))
        for pk, name, code, kind, level, region, name_en, *places in rows
    ]


# --- Schema ------------------------------------------------------------------------------


def create_index_sql() -> str:
    """The inverted index over the keys: vendor DDL the ORM cannot express. Migration 0004 ran
    this DDL (a frozen copy); the full refresh runs the PostgreSQL one again after refilling.
    tests/test_search_index.py checks that it is what the migrations made."""
    if connection.vendor == "postgresql":
        return f"CREATE INDEX {GIN} ON {DOCS_TABLE} USING gin ({LEXEMES})"
    # detail=none: only "which records hold a key with this prefix" is ever asked.
    return (
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(terms, content='{DOCS_TABLE}',"
        " content_rowid='record_id', columnsize=0, detail=none, prefix='1 2', tokenize='ascii')"
    )
