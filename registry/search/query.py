"""The SQL that asks the search index which records a key finds: the read side of the index.

The index holds each record's keys (registry/search/keys.py) in SearchDoc (one row per record,
registry/models/search.py) and the database's own inverted index over them, which
registry/services/search_index.py creates and keeps current. Prefix-of-a-key is what both
databases' inverted indexes answer exactly and fast: FTS5 prefix queries on SQLite (with 1-
and 2-character prefix indexes, so one Chinese character is a single lookup), GIN prefix
matching of tsvector lexemes on PostgreSQL. Neither tokenizes the keys: FTS5's `ascii`
tokenizer splits only on ASCII punctuation and spaces, which keys never hold, and PostgreSQL
takes the keys verbatim as lexemes. So both give the same records.

Who calls what: registry/selectors/records.py (SearchMatch, match_count) builds the catalog's
and the admin's searches from match_sql(), count_sql() and match_param().
"""

from collections.abc import Iterable

from django.db import connection

from registry.models import SearchDoc

DOCS_TABLE = SearchDoc._meta.db_table
FTS = "registry_search_fts"  # SQLite: the FTS5 index over DOCS_TABLE (external content)
GIN = "registry_searchdoc_terms_gin"  # PostgreSQL: the GIN index over DOCS_TABLE's keys
LEXEMES = "array_to_tsvector(string_to_array(terms, ' '))"


def match_sql() -> str:
    """SQL selecting the ids of the records one key prefix (the single parameter) finds."""
    if connection.vendor == "postgresql":
        return f"SELECT record_id FROM {DOCS_TABLE} WHERE {LEXEMES} @@ %s::tsquery"
    return f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s"


def count_sql() -> str:
    """SQL counting the records one key prefix finds, on the index alone. (On SQLite, counting
    over match_sql() as a subquery would first copy every id: far slower for a short key.)"""
    if connection.vendor == "postgresql":
        return f"SELECT COUNT(*) FROM {DOCS_TABLE} WHERE {LEXEMES} @@ %s::tsquery"
    return f"SELECT COUNT(*) FROM {FTS} WHERE {FTS} MATCH %s"


def match_param(key: str, tokens: Iterable[str | tuple[str, ...]] = ()) -> str:
    """The index query for `key` (normalised: letters and digits, so nothing to escape) and
    every one of `tokens` (filter tokens: letters, digits and the middle dot); a tuple of
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
