"""The search data's full rebuild as migrations 0004 and 0007 ran it: a frozen copy of the keys
of registry/search/keys.py and of the full refresh of registry/services/search_index.py, taken
when those migrations were written, so that a later change of the services cannot change what
an old migration does. Do not edit: keys made another way get a new migration and a new copy.

Django loads no module of this package whose name starts with "_" as a migration. The
services' worker process and batched JSON inserts are speed-ups, left out; the rows written
and the index built are the same.
"""

import functools
import re
import unicodedata

LOCK = "SELECT pg_advisory_xact_lock(72602261)"  # the service's key: no refresh runs beside
BATCH = 20_000
FTS_DDL = (
    "CREATE VIRTUAL TABLE registry_search_fts USING fts5(terms, content='registry_searchdoc',"
    " content_rowid='record_id', columnsize=0, detail=none, prefix='1 2', tokenize='ascii')"
)
GIN_DDL = (
    "CREATE INDEX registry_searchdoc_terms_gin ON registry_searchdoc"
    " USING gin (array_to_tsvector(string_to_array(terms, ' ')))"
)
CODE_PART = re.compile(r"[^\W\d_]+|\d+")
TOKEN = "·"


def create_index_sql(vendor):
    return GIN_DDL if vendor == "postgresql" else FTS_DDL


def drop_index_sql(vendor):
    if vendor == "postgresql":
        return "DROP INDEX IF EXISTS registry_searchdoc_terms_gin"
    return "DROP TABLE IF EXISTS registry_search_fts"


def rebuild(connection):
    """Every record's keys, computed again and indexed (the index of create_index_sql must
    exist)."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        if postgres:
            cur.execute(LOCK)
            cur.execute("DROP INDEX IF EXISTS registry_searchdoc_terms_gin")
            cur.execute("TRUNCATE registry_searchdoc")
        else:
            cur.execute("DELETE FROM registry_searchdoc")
        last = 0
        while True:
            cur.execute(
                "SELECT id, name, code, kind, level, region_id FROM registry_record"
                f" WHERE id > %s ORDER BY id LIMIT {BATCH}",
                [last],
            )
            rows = cur.fetchall()
            if not rows:
                break
            cur.executemany(
                "INSERT INTO registry_searchdoc (record_id, terms) VALUES (%s, %s)",
                [(row[0], record_terms(*row[1:])) for row in rows],
            )
            last = rows[-1][0]
        if postgres:
            cur.execute(GIN_DDL)
            cur.execute("ANALYZE registry_searchdoc")
        else:
            # External content: the FTS5 index read again from registry_searchdoc.
            cur.execute("INSERT INTO registry_search_fts (registry_search_fts) VALUES ('rebuild')")
            cur.execute("ANALYZE registry_record")


def normalize(text):
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


def _chars(text):
    return list(text)


def syllables(text):
    from pypinyin import lazy_pinyin

    items = lazy_pinyin(text, errors=_chars)
    if len(items) != len(text):
        items = [lazy_pinyin(c, errors=_chars)[0] for c in text]
    return [item.lower() for item in items]


@functools.lru_cache(maxsize=200_000)
def name_terms(name):
    text = normalize(name)
    pinyin = syllables(text)
    initials = "".join(s[0] for s in pinyin)
    keys = [text[i:] for i in range(len(text))]
    keys += ["".join(pinyin[i:]) for i in range(len(pinyin))]
    keys += [initials[i:] for i in range(len(initials) - 1)]
    return " ".join(dict.fromkeys(keys))


def code_keys(code):
    parts = CODE_PART.findall(unicodedata.normalize("NFKC", code).lower())
    return ["".join(parts[i:]) for i in range(len(parts))]


def record_terms(name, code, kind, level, region):
    tokens = []
    if kind:
        tokens.append(f"{TOKEN}k{kind}")
        if level:
            tokens.append(f"{TOKEN}l{level}")
        if region:
            tokens += [f"{TOKEN}r{region[:n]}" for n in (2, 4, 6)]
    return " ".join([name_terms(name), *code_keys(code), *tokens]).strip()
