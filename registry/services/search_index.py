"""Keeps the catalog's search data (registry/models/search.py) equal to what the records say.

The search data of a record is a list of keys; a query `q` finds the record when its normalised
form is a prefix of one of them. The keys are the suffixes of
- the name: so a query finds any substring of the name, one Chinese character included;
- the code: any substring of the code;
- the name's pinyin, from each syllable on: `zongci`, `zong`, `zongc` find 张氏宗祠
  (zhangshizongci), `gci` does not (it starts inside a syllable);
- the name's pinyin initials: `zszc`, `szc` or `zs` find 张氏宗祠.
Normalised means NFKC, lower case, letters and digits only, so punctuation and spaces are
ignored on both sides (`zong ci` is `zongci`, `demo-b1` is `demob1`).

Prefix-of-a-key is what both databases' inverted indexes answer exactly and fast: FTS5 prefix
queries on SQLite (with 1- and 2-character prefix indexes, so one Chinese character is a single
lookup), GIN prefix matching of tsvector lexemes on PostgreSQL. Neither tokenizes the keys:
FTS5's `ascii` tokenizer splits only on ASCII punctuation and spaces, which keys never hold,
and PostgreSQL takes the keys verbatim as lexemes. So both give the same records.

Pinyin comes from pypinyin, which reads characters in context (长沙 changsha, 重庆 chongqing,
厦门 xiamen), one syllable per character, without tones, ü written v (绿 lv).

Who calls `refresh`:
- the bulk importer, after each import (raw SQL writes send no signals);
- the signal receivers below, for single-object ORM saves and deletes of Record. Writes that
  bypass signals (QuerySet.update, bulk_create, raw SQL) must call `refresh(records=...)`.
"""

import functools
import unicodedata
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from registry.models import Record, SearchDoc

R = Record._meta.db_table
D = SearchDoc._meta.db_table
FTS = "registry_search_fts"  # SQLite: the FTS5 index over D (external content)
GIN = "registry_searchdoc_terms_gin"  # PostgreSQL: the GIN index over D's keys
LEXEMES = "array_to_tsvector(string_to_array(terms, ' '))"
BATCH = 20_000
# Any constant: serialises concurrent refreshes on PostgreSQL (SQLite serialises writers).
LOCK_KEY = 7_260_2261


def normalize(text: str) -> str:
    """NFKC, lower case, letters and digits only: the form of keys and of queries."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


def _chars(text: str) -> list[str]:
    return list(text)


def syllables(text: str) -> list[str]:
    """One item per character of the normalised `text`: a Chinese character's pinyin without
    tone (read in context: 长沙 is changsha, 银行 yinhang), any other character itself."""
    from pypinyin import lazy_pinyin

    items = lazy_pinyin(text, errors=_chars)
    if len(items) != len(text):  # never seen; keep the keys aligned with the characters
        items = [lazy_pinyin(c, errors=_chars)[0] for c in text]
    return [item.lower() for item in items]


@functools.lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[str, ...]:
    """Suffixes of the normalised name, of its pinyin from each character on, of its initials.
    Cached: names repeat (王氏宗祠 stands in many counties), and reading pinyin in context is
    the costly step of a refresh (about 20 µs a name)."""
    text = normalize(name)
    pinyin = syllables(text)
    initials = "".join(s[0] for s in pinyin)
    keys = [text[i:] for i in range(len(text))]
    keys += ["".join(pinyin[i:]) for i in range(len(pinyin))]
    keys += [initials[i:] for i in range(len(initials))]
    return tuple(keys)


def record_terms(name: str, code: str) -> str:
    """The keys of a record, space-separated, each once."""
    code = normalize(code)
    keys = dict.fromkeys(name_keys(name))
    keys.update(dict.fromkeys(code[i:] for i in range(len(code))))
    return " ".join(keys)


def query_key(q: str) -> str | None:
    """The normalised query, or None when nothing searchable is left (blank, punctuation)."""
    key = normalize(q or "")
    return key or None


def match_sql() -> str:
    """SQL selecting the ids of the records one key prefix (the single parameter) finds."""
    if connection.vendor == "postgresql":
        return f"SELECT record_id FROM {D} WHERE {LEXEMES} @@ %s::tsquery"
    return f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s"


def match_param(key: str) -> str:
    """The index query for `key` (normalised: letters and digits, so nothing to escape)."""
    if connection.vendor == "postgresql":
        return f"'{key}':*"
    return f'"{key}"*'


# --- Refresh ------------------------------------------------------------------------------


def refresh(records: QuerySet | Iterable[int] | None = None) -> None:
    """Recompute the search data of `records` (a Record queryset or record ids; None: all)."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cur:
        if postgres:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if records is None:
            _refresh_all(cur, postgres)
            return
        ids, params = _ids_sql(records)
        if not postgres:
            # External content: FTS5 must be told the old keys to forget them.
            cur.execute(
                f"INSERT INTO {FTS} ({FTS}, rowid, terms) SELECT 'delete', record_id, terms"
                f" FROM {D} WHERE record_id IN ({ids})",
                params,
            )
        cur.execute(f"DELETE FROM {D} WHERE record_id IN ({ids})", params)
        _insert_docs(cur, f"id IN ({ids})", params)
        if not postgres:
            cur.execute(
                f"INSERT INTO {FTS} (rowid, terms) SELECT record_id, terms FROM {D}"
                f" WHERE record_id IN ({ids})",
                params,
            )


def _refresh_all(cur, postgres: bool) -> None:
    # Emptied and refilled, then indexed in one pass: much faster than keeping the index
    # current row by row.
    if postgres:
        cur.execute(f"DROP INDEX IF EXISTS {GIN}")
        cur.execute(f"TRUNCATE {D}")
    else:
        cur.execute(f"DELETE FROM {D}")
    _insert_docs(cur, "1 = 1", [])
    if postgres:
        cur.execute(create_index_sql())
        cur.execute(f"ANALYZE {D}")
    else:
        cur.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')")


def _insert_docs(cur, where: str, params: list) -> None:
    """Computes and writes the keys of the records `where` selects, in batches by id (keyset
    paging: bounded memory, and no server-side cursor needed)."""
    last = 0
    insert = f"INSERT INTO {D} (record_id, terms) VALUES (%s, %s)"
    while True:
        cur.execute(
            f"SELECT id, name, code FROM {R} WHERE {where} AND id > %s ORDER BY id LIMIT {BATCH}",
            [*params, last],
        )
        rows = cur.fetchall()
        if not rows:
            return
        cur.executemany(insert, [(pk, record_terms(name, code)) for pk, name, code in rows])
        last = rows[-1][0]


def _ids_sql(records: QuerySet | Iterable[int]) -> tuple[str, list]:
    if isinstance(records, QuerySet):
        if not records.query.is_sliced:  # a slice keeps its order: it picks the records
            records = records.order_by()
        sql, params = records.values("pk").query.sql_with_params()
        return sql, list(params)
    ids = [int(pk) for pk in records] or [0]  # "IN ()" is not SQL; no record has id 0
    return ", ".join(["%s"] * len(ids)), ids


# --- Schema (migration 0004) ----------------------------------------------------------------


def create_index_sql() -> str:
    if connection.vendor == "postgresql":
        return f"CREATE INDEX {GIN} ON {D} USING gin ({LEXEMES})"
    # detail=none: only "which records hold a key with this prefix" is ever asked.
    return (
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(terms, content='{D}', content_rowid='record_id',"
        " columnsize=0, detail=none, prefix='1 2', tokenize='ascii')"
    )


def drop_index_sql() -> str:
    if connection.vendor == "postgresql":
        return f"DROP INDEX IF EXISTS {GIN}"
    return f"DROP TABLE IF EXISTS {FTS}"


# --- Single-object ORM writes ----------------------------------------------------------------


def _record_changed(sender, instance, raw=False, **kwargs):
    refresh(records=[instance.pk])


def connect_signals() -> None:
    """Called from RegistryConfig.ready()."""
    uid = "search_index"
    post_save.connect(_record_changed, sender=Record, dispatch_uid=f"{uid}.record.save")
    post_delete.connect(_record_changed, sender=Record, dispatch_uid=f"{uid}.record.delete")
