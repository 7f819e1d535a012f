"""A search of any record queryset (the admin's list: the user's regions, the list filters,
lookups in the URL) with the conditions the search index answers exactly asked of the index
as filter tokens (registry/search/keys.py), as the catalog does for its kind, level
and region filters (registry/filtersets.py). When nothing else is left, the search is counted
on the index alone and its pages planned by that count (selectors.records.plan_search), not
counted by reading every match's record.

The conditions moved, each exactly what its token says:
- kind = K, level = L, for a value of the choices (the tokens hold nothing else);
- region_id between P000000 and P999999 (regionscope.region_q) for a prefix P of 2, 4 or 6
  digits: region codes are six digits (GB/T 2260, fixtures/regions.json, the only regions
  there are), so the range holds exactly the codes that start with P, and those records hold
  the token ·rP;
- an OR of such ranges (a user working in several regions: permissions.scope_q).
Anything else (a status, a negation, a lookup through a join) stays a condition on the
records, and the search is counted as before.
"""

from django.db.models.expressions import Col
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.db.models.sql.where import AND, OR, WhereNode

from registry.choices import Kind, Level
from registry.models import Record
from registry.regionscope import REGION_CODE_RE
from registry.search import keys as search_keys
from registry.selectors.records import CatalogQuerySet, SearchMatch, and_terms, plan_search

KIND, LEVEL, REGION = (Record._meta.get_field(name) for name in ("kind", "level", "region"))
VALUE_TOKENS = {
    KIND: {kind: search_keys.filter_tokens(kind=kind)[0] for kind in Kind.values},
    LEVEL: {level: search_keys.filter_tokens(level=level)[0] for level in Level.values},
}
Token = str | tuple[str, ...]


def search(queryset, q: str):
    """The records of `queryset` (a plain Record queryset) whose keys `q` starts; a
    CatalogQuerySet, counted on the index when the search is all that is left."""
    key = search_keys.query_key(q)
    if key is None:
        return queryset
    query = queryset.query.chain()
    kept, tokens = fold(and_terms(query.where), query.get_initial_alias())
    query.where = WhereNode(kept, AND)
    found = CatalogQuerySet(model=queryset.model, query=query, using=queryset.db)
    found = found.filter(SearchMatch(key, tuple(tokens)))
    # With other conditions left the count reads the records anyway: no index count then
    # (it would be one query more), and the pages are planned as before.
    return plan_search(found) if not kept else found


def fold(terms: list, alias: str) -> tuple[list, list[Token]]:
    """The ANDed `terms` of a WHERE split into those kept as conditions and the tokens that
    replace the others; `alias` is the records' table in the query."""
    kept, tokens, bounds = [], [], []
    for term in terms:
        if (token := _value_token(term, alias)) is not None:
            tokens.append(token)
        elif _bound(term, alias) is not None:
            bounds.append(term)
        elif (any_of := _any_region(term, alias)) is not None:
            tokens.append(any_of)
        else:
            kept.append(term)
    # Each lower bound with an upper bound of the same prefix makes one region token; any
    # bound left unpaired stays a condition.
    lows = [t for t in bounds if isinstance(t, GreaterThanOrEqual)]
    highs = [t for t in bounds if isinstance(t, LessThanOrEqual)]
    for low in lows:
        high = next((h for h in highs if _prefix(low.rhs, h.rhs) is not None), None)
        if high is None:
            kept.append(low)
            continue
        highs.remove(high)
        tokens.append(search_keys.region_token(_prefix(low.rhs, high.rhs)))
    kept += highs
    return kept, tokens


def _column(term, alias: str, field) -> bool:
    """Is `term` a lookup on the records' own `field` against a plain value?"""
    lhs = term.lhs
    return (
        isinstance(lhs, Col)
        and lhs.alias == alias
        and lhs.target is field
        and term.rhs_is_direct_value()
        and isinstance(term.rhs, str)
    )


def _value_token(term, alias: str) -> str | None:
    if type(term) is not Exact:  # iexact and the like are other classes
        return None
    for field, tokens in VALUE_TOKENS.items():
        if _column(term, alias, field):
            return tokens.get(term.rhs)
    return None


def _bound(term, alias: str) -> str | None:
    """The region code of `region_id >= code` or `region_id <= code`."""
    if isinstance(term, GreaterThanOrEqual | LessThanOrEqual) and _column(term, alias, REGION):
        return term.rhs if REGION_CODE_RE.fullmatch(term.rhs) else None
    return None


def _prefix(low: str, high: str) -> str | None:
    """P when low is P000000 and high P999999 (cut to six digits), for P of 2, 4 or 6."""
    for n in (2, 4, 6):
        if low[:n] == high[:n] and set(low[n:]) <= {"0"} and set(high[n:]) <= {"9"}:
            return low[:n]
    return None


def _any_region(term, alias: str) -> tuple[str, ...] | None:
    """The tokens of an OR of region ranges, each a pair of bounds with one prefix."""
    if not isinstance(term, WhereNode) or term.negated or term.connector != OR:
        return None
    tokens = []
    for child in term.children:
        pair = and_terms(child)
        if len(pair) != 2 or any(_bound(t, alias) is None for t in pair):
            return None
        low, high = sorted(pair, key=lambda t: isinstance(t, LessThanOrEqual))
        if not isinstance(low, GreaterThanOrEqual) or not isinstance(high, LessThanOrEqual):
            return None
        if (prefix := _prefix(low.rhs, high.rhs)) is None:
            return None
        tokens.append(search_keys.region_token(prefix))
    return tuple(dict.fromkeys(tokens)) or None
