"""The search data's full rebuild as migration 0019 ran it: a frozen copy of the keys of
registry/search/keys.py (simplified characters, the English name, the region's names) and of
the sort key, taken when that migration was written, so that a later change of the services
cannot change what an old migration does. Do not edit: keys made another way get a new
migration and a new copy (_search_rebuild_v1.py is 0004's and 0007's).

Django loads no module of this package whose name starts with "_" as a migration. The
services' worker process and batched JSON inserts are speed-ups, left out; the rows written
and the index built are the same.
"""

import functools
import re
import unicodedata

LOCK = "SELECT pg_advisory_xact_lock(72602261)"  # the service's key: no refresh runs beside
BATCH = 20_000
CODE_PART = re.compile(r"[^\W\d_]+|\d+")
WORD = re.compile(r"[^\W_]+")
TOKEN = "·"
SORT_PINYIN_MAX = 600
SELECT = (
    "SELECT r.id, r.name, r.code, r.kind, r.level, r.region_id, r.name_en,"
    " g1.name, g2.name, g3.name FROM registry_record r"
    " LEFT JOIN registry_region g1 ON g1.code = r.region_id"
    " LEFT JOIN registry_region g2 ON g2.code = g1.parent_id"
    " LEFT JOIN registry_region g3 ON g3.code = g2.parent_id"
    f" WHERE r.id > %s ORDER BY r.id LIMIT {BATCH}"
)


def rebuild(connection):
    """Every record's keys and sort key, computed again and indexed (the FTS5 table or the
    GIN index of _search_rebuild_v1.create_index_sql must exist)."""
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
            cur.execute(SELECT, [last])
            rows = cur.fetchall()
            if not rows:
                break
            cur.executemany(
                "INSERT INTO registry_searchdoc (record_id, terms, sort_key) VALUES (%s, %s, %s)",
                [doc(*row) for row in rows],
            )
            last = rows[-1][0]
        if postgres:
            cur.execute(
                "CREATE INDEX registry_searchdoc_terms_gin ON registry_searchdoc"
                " USING gin (array_to_tsvector(string_to_array(terms, ' ')))"
            )
            cur.execute("ANALYZE registry_searchdoc")
        else:
            cur.execute("INSERT INTO registry_search_fts (registry_search_fts) VALUES ('rebuild')")
            cur.execute("ANALYZE registry_record")


def doc(pk, name, code, kind, level, region, name_en, *places):
    return pk, record_terms(name, code, kind, level, region, name_en, places), sort_key(name, code)


def plain(text):
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


@functools.cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@functools.cache
def _simplified_char(char):
    folded = _converter().convert(char)
    return folded if len(folded) == 1 else char


def simplified(text):
    if text.isascii():
        return text
    return "".join([_simplified_char(c) for c in text])


def normalize(text):
    return simplified(plain(text))


def _chars(text):
    return list(text)


@functools.lru_cache(maxsize=200_000)
def readings(text):
    from pypinyin import Style, lazy_pinyin

    items = lazy_pinyin(text, style=Style.TONE3, errors=_chars)
    if len(items) != len(text):
        items = [lazy_pinyin(c, style=Style.TONE3, errors=_chars)[0] for c in text]
    return tuple(item.lower() for item in items)


def syllables(text):
    return [r if r == c else r.rstrip("012345") for r, c in zip(readings(text), text, strict=True)]


@functools.lru_cache(maxsize=200_000)
def name_terms(name):
    text = plain(name)
    pinyin = syllables(text)
    initials = "".join(s[0] for s in pinyin)
    folded = simplified(text)
    keys = [folded[i:] for i in range(len(folded))]
    keys += ["".join(pinyin[i:]) for i in range(len(pinyin))]
    keys += [initials[i:] for i in range(len(initials) - 1)]
    return " ".join(dict.fromkeys(keys))


def english_keys(name_en):
    words = [normalize(w) for w in WORD.findall(name_en or "")]
    return ["".join(words[i:]) for i in range(len(words))]


@functools.lru_cache(maxsize=4_096)
def place_keys(place):
    text = plain(place)
    return tuple(dict.fromkeys(k for k in (simplified(text), "".join(syllables(text))) if k))


def sort_key(name, code):
    pinyin = " ".join(readings(plain(name)))[:SORT_PINYIN_MAX]
    return f"{pinyin}\x01{name}\x01{code}"


def code_keys(code):
    parts = CODE_PART.findall(unicodedata.normalize("NFKC", code).lower())
    return ["".join(parts[i:]) for i in range(len(parts))]


def record_terms(name, code, kind, level, region, name_en, places):
    tokens = []
    if kind:
        tokens.append(f"{TOKEN}k{kind}")
        if level:
            tokens.append(f"{TOKEN}l{level}")
        if region:
            tokens += [f"{TOKEN}r{region[:n]}" for n in (2, 4, 6)]
    place = [key for p in places if p for key in place_keys(p)]
    keys = [name_terms(name), *english_keys(name_en), *place, *code_keys(code), *tokens]
    return " ".join(keys).strip()
