"""A span of days, from a start day to an end day that is not in it (or no end): the shape of
"designated on D" (designated_on, revoked_on) and of "a plaque hangs on D" (installed_on,
removed_on) in indicators.md. In the three forms the readers need, side by side, and tested
equal on a grid of cases (tests/test_rules_once.py): for rows already read, for the ORM, and
for raw SQL (the indicator state)."""

from django.db.models import Q


def in_span(start, end, on) -> bool:
    """`start` <= `on` < `end` (no start: never; no end: for good). Dates, or ISO texts."""
    return start is not None and start <= on and (end is None or end > on)


def span_q(start: str, end: str, on) -> Q:
    """in_span as a condition on the fields named `start` and `end`."""
    return Q(**{f"{start}__lte": on}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": on}))


def span_sql(start: str, end: str, on: str) -> str:
    """in_span in SQL: `start` and `end` column expressions, `on` an expression of the day."""
    return f"({start} <= {on} AND ({end} IS NULL OR {end} > {on}))"
