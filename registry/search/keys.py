"""The search keys of a record and the key of a query: what a search matches, in Python.

A record is found by a query `q` when the normalised `q` is a prefix of one of its keys. The
keys are the suffixes of
- the name: so a query finds any substring of the name, one Chinese character included;
- the code, from the start of each of its parts (`b0470729` and `0470729` find DEMO-B0470729);
- the name's pinyin, from each syllable on: `zongci`, `zong`, `zongc` find 张氏宗祠
  (zhangshizongci), `gci` does not (it starts inside a syllable);
- the name's pinyin initials: `zszc`, `szc` or `zs` find 张氏宗祠.
Normalised means NFKC, lower case, letters and digits only, so punctuation and spaces are
ignored on both sides (`zong ci` is `zongci`, `demo-b1` is `demob1`).

A record's keys end with its filter tokens: `·k` + kind, `·l` + level, and `·r` + each of the
three prefixes of its region code (province, prefecture, county: ·r14, ·r1407, ·r140728). A
search with kind, level or region filters asks the index for the key AND those tokens
(registry/search/query.py), so it is counted and paged on the index alone, as a plain search
is (bench/catalog.py times it against reading every match's record). No query can name a
token: the middle dot is not a letter or digit, so normalize() takes it out of every query.
The derived filters (status, plaqued, occupancy: they change with the day) stay conditions on
the records.

Pinyin comes from pypinyin, which reads characters in context (长沙 changsha, 重庆 chongqing,
厦门 xiamen), one syllable per character, without tones, ü written v (绿 lv).

Who calls what: the write side (registry/services/search_index.py) stores record_terms() of
every record; the read side (registry/filtersets.py, registry/selectors/records.py and
folded_search.py) turns a query into query_key() and its filters into filter tokens.
"""

import functools
import re
import unicodedata

from registry.regionscope import scope_prefix

CODE_PART = re.compile(r"[^\W\d_]+|\d+")
TOKEN = "·"  # U+00B7: not alphanumeric, so never in a normalised query; one FTS5 token char


def normalize(text: str) -> str:
    """NFKC, lower case, letters and digits only: the form of keys and of queries."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


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
    context is the costly step of a refresh."""
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
