"""The search keys of a record and the key of a query: what a search matches, in Python.

A record is found by a query `q` when the normalised `q` is a prefix of one of its keys. The
keys are the suffixes of
- the name: so a query finds any substring of the name, one Chinese character included;
- the code, from the start of each of its parts (`b0470729` and `0470729` find DEMO-B0470729);
- the name's pinyin, from each syllable on: `zongci`, `zong`, `zongc` find 张氏宗祠
  (zhangshizongci), `gci` does not (it starts inside a syllable);
- the name's pinyin initials: `zszc`, `szc` or `zs` find 张氏宗祠;
- the English name from each word on: `ancestral hall`, `hall` find "Zhang Family Ancestral
  Hall" (not `estral`);
- the names of its region, prefecture and province, whole and in full pinyin (a place search:
  `台儿庄`, `平遥`, `pingyao`, `山西` find every record there; not `儿庄`).
Normalised means NFKC, lower case, letters and digits only, so punctuation and spaces are
ignored on both sides (`zong ci` is `zongci`, `demo-b1` is `demob1`), and Chinese characters
folded to simplified (simplified(): 張氏宗祠 and 张氏宗祠 are one key). normalize() is that one
key function of both sides, so the keys stored and the query asked cannot drift apart.

A record's keys end with its filter tokens: `·k` + kind, `·l` + level, and `·r` + each of the
three prefixes of its region code (province, prefecture, county: ·r14, ·r1407, ·r140728). A
search with kind, level or region filters asks the index for the key AND those tokens
(registry/search/query.py), so it is counted and paged on the index alone, as a plain search
is (bench/catalog.py times it against reading every match's record). No query can name a
token: the middle dot is not a letter or digit, so normalize() takes it out of every query.
The derived filters (status, plaqued, occupancy: they change with the day) stay conditions on
the records.

Folding is OpenCC's t2s, character by character (never by phrase): then the fold of any
substring of a name is that substring of the name's fold, which a substring search needs (a
phrase rule would fold 乾隆 whole but 乾 alone to 干, and 乾 would not find 乾隆). The cost: a
character that is also simplified in some words is folded everywhere (著 of 著名 stays, 乾 of
乾隆 is 干 in the key), so such a query finds both spellings. Pinyin is read from the name as
written, before the fold (乾隆 is qianlong).

Pinyin comes from pypinyin, which reads characters in context (长沙 changsha, 重庆 chongqing,
厦门 xiamen), one syllable per character, without tones, ü written v (绿 lv).

Who calls what: the write side (registry/services/search_index.py) stores record_terms() of
every record; the read side (registry/filtersets.py, registry/selectors/records.py and
folded_search.py) turns a query into query_key() and its filters into filter tokens.
"""

import functools
import re
import unicodedata

import opencc

from registry.regionscope import scope_prefix

CODE_PART = re.compile(r"[^\W\d_]+|\d+")
TOKEN = "·"  # U+00B7: not alphanumeric, so never in a normalised query; one FTS5 token char


def plain(text: str) -> str:
    """NFKC, lower case, letters and digits only."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


def normalize(text: str) -> str:
    """The form of keys and of queries: plain(), then folded to simplified characters."""
    return simplified(plain(text))


_T2S = opencc.OpenCC("t2s")


@functools.cache
def _simplified_char(char: str) -> str:
    folded = _T2S.convert(char)
    return folded if len(folded) == 1 else char  # one for one: keys stay aligned


def simplified(text: str) -> str:
    """Each character folded to simplified on its own (see the module doc). ASCII text, most
    keys and queries, is returned at once; other characters are looked up once per process
    (a few thousand distinct ones: the cache stays small)."""
    if text.isascii():
        return text
    return "".join([_simplified_char(c) for c in text])


# The longest search query taken (the catalog's q, the admin's search): longer than any name
# one types, and far inside what a tsquery word may hold on PostgreSQL (2,046 bytes: a query of
# 700 Chinese characters was a server error there).
MAX_QUERY_LENGTH = 100


def query_key(q: str) -> str | None:
    """The normalised query, or None when nothing searchable is left (blank, punctuation)."""
    key = normalize(q or "")
    return key or None


def _chars(text: str) -> list[str]:
    return list(text)


@functools.lru_cache(maxsize=200_000)
def readings(text: str) -> tuple[str, ...]:
    """One item per character of the plain `text`: a Chinese character's pinyin with its tone
    number (zhang1; read in context), any other character itself. Read once per name: the
    keys (syllables) and the sort key both come from it, and reading is the costly step."""
    from pypinyin import Style, lazy_pinyin

    items = lazy_pinyin(text, style=Style.TONE3, errors=_chars)
    if len(items) != len(text):  # never seen; keep the items aligned with the characters
        items = [lazy_pinyin(c, style=Style.TONE3, errors=_chars)[0] for c in text]
    return tuple(item.lower() for item in items)


def syllables(text: str) -> list[str]:
    """One item per character of the normalised `text`: a Chinese character's pinyin without
    tone (read in context: 长沙 is changsha, 银行 yinhang), any other character itself."""
    return [r if r == c else r.rstrip("012345") for r, c in zip(readings(text), text, strict=True)]


@functools.lru_cache(maxsize=200_000)
def name_terms(name: str) -> str:
    """The name's keys, space-separated: suffixes of the normalised name, of its pinyin from
    each character on, of its initials (but the last initial, always a prefix of the last
    syllable). Cached: names repeat (王氏宗祠 stands in many counties), and reading pinyin in
    context is the costly step of a refresh."""
    text = plain(name)
    pinyin = syllables(text)  # read from the name as written (乾隆 qianlong)
    initials = "".join(s[0] for s in pinyin)
    folded = simplified(text)
    keys = [folded[i:] for i in range(len(folded))]
    keys += ["".join(pinyin[i:]) for i in range(len(pinyin))]
    keys += [initials[i:] for i in range(len(initials) - 1)]
    return " ".join(dict.fromkeys(keys))


WORD = re.compile(r"[^\W_]+")


def english_keys(name_en: str | None) -> list[str]:
    """The English name from the start of each word: "Zhang Family Ancestral Hall" gives
    zhangfamilyancestralhall ... ancestralhall, hall. From a word, as pinyin is from a
    syllable: where people begin typing."""
    words = [normalize(w) for w in WORD.findall(name_en or "")]
    return ["".join(words[i:]) for i in range(len(words))]


@functools.lru_cache(maxsize=4_096)
def place_keys(place: str) -> tuple[str, ...]:
    """A region's name whole and in full pinyin: 台儿庄区 gives 台儿庄区 and taierzhuangqu, so
    that 台儿庄 or taierzhuang find it. Prefixes only: 儿庄 is no place anyone searches."""
    text = plain(place)
    return tuple(dict.fromkeys(k for k in (simplified(text), "".join(syllables(text))) if k))


def sort_key(name: str, code: str) -> str:
    """The order of names in the catalog (ordering=name): pinyin with tone numbers, syllable
    by syllable (阿 a1 < 白 bai2 < 张 zhang1; an1 < ang1 as in a dictionary; any other
    character on its own), then the name and the code, so that no two records tie. Space and
    \x01 sort before any letter or digit under the C collation the column has on PostgreSQL,
    and in SQLite's byte order."""
    pinyin = " ".join(readings(plain(name)))[:SORT_PINYIN_MAX]
    return f"{pinyin}\x01{name}\x01{code}"


# A key of a 200-character name stays far inside a B-tree row (2,704 bytes on PostgreSQL).
SORT_PINYIN_MAX = 600


def code_keys(code: str) -> list[str]:
    """The code from the start of each of its parts: 'DEMO-B0470729' gives demob0470729,
    b0470729 and 0470729. A part is a run of letters or of digits, which is where people
    begin typing a code from memory."""
    parts = CODE_PART.findall(normalize_code(code))
    return ["".join(parts[i:]) for i in range(len(parts))]


def normalize_code(code: str) -> str:
    return unicodedata.normalize("NFKC", code).lower()


def record_terms(
    name: str,
    code: str,
    kind: str = "",
    level: str = "",
    region: str = "",
    name_en: str | None = None,
    places: tuple[str, ...] = (),
) -> str:
    """The keys of a record and its filter tokens, space-separated (a key twice does no harm).
    `places`: the names of its region, the region's parent and grandparent."""
    tokens = filter_tokens(kind=kind, level=level, region=region) if kind else []
    place = [key for p in places if p for key in place_keys(p)]
    keys = [name_terms(name), *english_keys(name_en), *place, *code_keys(code), *tokens]
    return " ".join(keys).strip()


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
