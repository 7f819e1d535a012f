"""Keeps the catalog's search data (registry/models/search.py) equal to what the records say.

The search data of a record is a list of keys; a query `q` finds the record when its normalised
form is a prefix of one of them. The keys are the suffixes of
- the name: so a query finds any substring of the name, one Chinese character included;
- the code, from the start of each of its parts (`b0470729` and `0470729` find DEMO-B0470729);
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

A record's keys end with its filter tokens: `·k` + kind, `·l` + level, and `·r` + each of the
three prefixes of its region code (province, prefecture, county: ·r14, ·r1407, ·r140728). A
search with kind, level or region filters asks the index for the key AND those tokens, so it is
counted and paged on the index alone, as a plain search is (宗祠 in Shanxi at a million
records: ~2 ms against ~110 ms reading every match's record, measured once; bench/catalog.py
times the whole request). No query can name a token: the middle dot is not a letter or digit,
so normalize() takes it out of every query. The derived
filters (status, plaqued, occupancy: they change with the day) stay conditions on the records.

Pinyin comes from pypinyin, which reads characters in context (长沙 changsha, 重庆 chongqing,
厦门 xiamen), one syllable per character, without tones, ü written v (绿 lv).

Who calls `refresh`:
- the bulk importer, after each import (raw SQL writes send no signals);
- the signal receivers below, for single-object ORM saves and deletes of Record. Writes that
  bypass signals (QuerySet.update, bulk_create, raw SQL) must call `refresh(records=...)`.
"""

import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from registry.db import ids_sql
from registry.models import Record, SearchDoc
from registry.regionscope import scope_prefix

R = Record._meta.db_table
D = SearchDoc._meta.db_table
FTS = "registry_search_fts"  # SQLite: the FTS5 index over D (external content)
GIN = "registry_searchdoc_terms_gin"  # PostgreSQL: the GIN index over D's keys
LEXEMES = "array_to_tsvector(string_to_array(terms, ' '))"
CODE_PART = re.compile(r"[^\W\d_]+|\d+")
BATCH = 20_000
# Any constant: serialises concurrent refreshes on PostgreSQL (SQLite serialises writers).
LOCK_KEY = 7_260_2261
# The longest search query taken (the catalog's q, the admin's search): longer than any name
# one types, and far inside what a tsquery word may hold on PostgreSQL (2,046 bytes: a query of
# 700 Chinese characters was a server error there).
MAX_QUERY_LENGTH = 100


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
def name_terms(name: str) -> str:
    """The name's keys, space-separated: suffixes of the normalised name, of its pinyin from
    each character on, of its initials (but the last initial, always a prefix of the last
    syllable). Cached: names repeat (王氏宗祠 stands in many counties), and reading pinyin in
    context is the costly step of a refresh (about 20 µs a name)."""
    text = normalize(name)
    pinyin = syllables(text)
    initials = "".join(s[0] for s in pinyin)
    keys = [text[i:] for i in range(len(text))]
    keys += ["".join(pinyin[i:]) for i in range(len(pinyin))]
    keys += [initials[i:] for i in range(len(initials) - 1)]
    return " ".join(dict.fromkeys(keys))


def code_keys(code: str) -> list[str]:
    """The code from the start of each of its parts: 'DEMO-B0470729' gives demob0470729,
    b0470729 and 0470729. A part is a run of letters or of digits, which is where people
    begin typing a code from memory."""
    parts = CODE_PART.findall(normalize_code(code))
    return ["".join(parts[i:]) for i in range(len(parts))]


def normalize_code(code: str) -> str:
    return unicodedata.normalize("NFKC", code).lower()


def record_terms(name: str, code: str, kind: str = "", level: str = "", region: str = "") -> str:
    """The keys of a record and its filter tokens, space-separated (a key twice does no harm)."""
    tokens = filter_tokens(kind=kind, level=level, region=region) if kind else []
    return " ".join([name_terms(name), *code_keys(code), *tokens]).strip()


TOKEN = "·"  # U+00B7: not alphanumeric, so never in a normalised query; one FTS5 token char


def filter_tokens(*, kind: str | None = None, level: str | None = None,
                  region: str | None = None) -> list[str]:  # fmt: skip
    """The index tokens of the kind, level and region given. A record has all of them (its
    region's three prefixes); a search asks for those of its filters (the region filter's
    scope prefix: 140000 -> ·r14, 140700 -> ·r1407, 140728 -> ·r140728)."""
    tokens = []
    if kind:
        tokens.append(f"{TOKEN}k{kind}")
    if level:
        tokens.append(f"{TOKEN}l{level}")
    if region:
        tokens += [f"{TOKEN}r{region[:n]}" for n in (2, 4, 6)]
    return tokens


def scope_token(region: str) -> str:
    """The one token of the records inside the region scope `region` (regionscope.py)."""
    return region_token(scope_prefix(region))


def region_token(prefix: str) -> str:
    """The token of the records whose region code starts with `prefix` (2, 4 or 6 digits)."""
    return f"{TOKEN}r{prefix}"


def query_key(q: str) -> str | None:
    """The normalised query, or None when nothing searchable is left (blank, punctuation)."""
    key = normalize(q or "")
    return key or None


def match_sql() -> str:
    """SQL selecting the ids of the records one key prefix (the single parameter) finds."""
    if connection.vendor == "postgresql":
        return f"SELECT record_id FROM {D} WHERE {LEXEMES} @@ %s::tsquery"
    return f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s"


def count_sql() -> str:
    """SQL counting the records one key prefix finds, on the index alone. (On SQLite, counting
    over match_sql() as a subquery would first copy every id: 30x slower.)"""
    if connection.vendor == "postgresql":
        return f"SELECT COUNT(*) FROM {D} WHERE {LEXEMES} @@ %s::tsquery"
    return f"SELECT COUNT(*) FROM {FTS} WHERE {FTS} MATCH %s"


def match_param(key: str, tokens: Iterable[str | tuple[str, ...]] = ()) -> str:
    """The index query for `key` (normalised: letters and digits, so nothing to escape) and
    every one of `tokens` (filter_tokens: letters, digits and the middle dot); a tuple of
    tokens asks for any one of them (a user who works in several regions)."""
    if connection.vendor == "postgresql":
        prefix, quote, all_of, any_of = f"'{key}':*", "'", " & ", " | "
    else:
        prefix, quote, all_of, any_of = f'"{key}"*', '"', " AND ", " OR "

    def term(token: str | tuple[str, ...]) -> str:
        if isinstance(token, str):
            return f"{quote}{token}{quote}"
        return "(" + any_of.join(map(term, token)) + ")"

    return all_of.join([prefix, *map(term, tokens)])


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
                cur.execute(f"TRUNCATE {D}")
            else:
                cur.execute(f"DELETE FROM {D}")
                cur.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('delete-all')")
        else:
            ids, params = ids_sql(records)
            where = f"id IN ({ids})"
            if not postgres:
                # External content: FTS5 must be told the old keys to forget them.
                cur.execute(
                    f"INSERT INTO {FTS} ({FTS}, rowid, terms) SELECT 'delete', record_id, terms"
                    f" FROM {D} WHERE record_id IN ({ids})",
                    params,
                )
            cur.execute(f"DELETE FROM {D} WHERE record_id IN ({ids})", params)
        _write_docs(cur, where, params, postgres)
        if records is None:
            if postgres:
                cur.execute(create_index_sql())
            # Statistics let the planner start from the few matches of a search rather than
            # from an index on kind or level that covers most of the registry. Cheap on
            # SQLite (it samples), and the records table is as the import left it.
            cur.execute(f"ANALYZE {D}" if postgres else f"ANALYZE {R}")


def _write_docs(cur, where: str, params: list, postgres: bool) -> None:
    """Computes and writes the keys of the records `where` selects, in batches by id (keyset
    paging: bounded memory, no server-side cursor).

    A large refresh is about as much Python (reading pinyin) as database work (FTS5 indexing),
    so from the second batch on the keys are computed in a worker process while this one
    writes and indexes the batch before. On SQLite a batch is two statements (JSON in,
    json_each out) rather than a statement per row."""
    select = (
        f"SELECT id, name, code, kind, level, region_id FROM {R} WHERE {where} AND id > %s"
        f" ORDER BY id LIMIT {BATCH}"
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


def _insert(cur, docs: list[tuple[int, str]], postgres: bool) -> None:
    if postgres:
        cur.executemany(f"INSERT INTO {D} (record_id, terms) VALUES (%s, %s)", docs)
        return
    batch = json.dumps(docs, ensure_ascii=False)
    for table, id_column in ((D, "record_id"), (FTS, "rowid")):
        cur.execute(
            f"INSERT INTO {table} ({id_column}, terms) SELECT value ->> 0, value ->> 1"
            " FROM json_each(%s)",
            [batch],
        )


def _docs(rows: list[tuple]) -> list[tuple[int, str]]:
    return [(row[0], record_terms(*row[1:])) for row in rows]


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
