"""From a figure of /reports/ to the catalog's records behind it: the one place that says
which catalog filters (registry/filtersets.py) count each figure of indicators.md, for a row of
any grouping and for the total. The report page reaches it through the `figure` template tag
(registry/templatetags/indicator_tags.py); tests/test_report_links.py checks, for every figure
of every row, that the catalog at the link counts the figure.
"""

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from registry.choices import Kind, Occupancy, Status
from registry.regionscope import group_prefix, scope_prefix
from registry.selectors.records import UNKNOWN

DISTRICT = {"kind": Kind.DISTRICT.value, "status": Status.DESIGNATED.value}
BUILDING = {"kind": Kind.BUILDING.value, "status": Status.DESIGNATED.value}
# figure -> the catalog filters that find its records (besides scope and day).
FIGURE_FILTERS = {
    "districts": DISTRICT,
    "districts_plaqued": {**DISTRICT, "plaqued": "true"},
    "districts_unplaqued": {**DISTRICT, "plaqued": "false"},
    "districts_archived": {**DISTRICT, "archived": "true"},
    "districts_unarchived": {**DISTRICT, "archived": "false"},
    "buildings": BUILDING,
    "buildings_plaqued": {**BUILDING, "plaqued": "true"},
    "buildings_unplaqued": {**BUILDING, "plaqued": "false"},
    "buildings_archived": {**BUILDING, "archived": "true"},
    "buildings_unarchived": {**BUILDING, "archived": "false"},
    "buildings_vacant": {**BUILDING, "occupancy": Occupancy.VACANT.value},
    "buildings_occupancy_unknown": {**BUILDING, "occupancy": UNKNOWN},
}
# A figure the report does not hold itself: the difference of two it holds.
DIFFERENCES = {
    "districts_unplaqued": ("districts", "districts_plaqued"),
    "buildings_unplaqued": ("buildings", "buildings_plaqued"),
    "districts_unarchived": ("districts", "districts_archived"),
    "buildings_unarchived": ("buildings", "buildings_archived"),
}


def figure_count(figures: dict, name: str) -> int | None:
    """The figure `name` of a report row (or total); None if the report has no such figure."""
    if name in DIFFERENCES:
        whole, part = DIFFERENCES[name]
        if whole not in figures or part not in figures:
            return None
        return figures[whole] - figures[part]
    return figures.get(name)


def scope_filters(params: dict, key: str | None = None) -> dict:
    """The catalog filters of a report's scope (params: as_of, region, level, by), narrowed to
    the row `key` of the grouping params["by"] (None: the total).

    A region row is a scope when its key is (140700 by prefecture: all of Jinzhong); where it is
    not, the row's code prefix says it (a record filed under 140700 itself is the county row
    140700 of Jinzhong, not all of it: region_prefix=140700)."""
    filters = {"region": params.get("region"), "level": params.get("level")}
    by = params.get("by")
    if key is not None and by == "level":
        filters["level"] = key
    elif key is not None:
        prefix = group_prefix(by, key)
        if scope_prefix(key) == prefix:
            filters["region"] = key
        else:
            filters["region"], filters["region_prefix"] = None, prefix
    as_of = params.get("as_of")
    if as_of and as_of != timezone.localdate():
        filters["as_of"] = as_of.isoformat() if isinstance(as_of, datetime.date) else as_of
    return {k: v for k, v in filters.items() if v}


def figure_url(params: dict, name: str, key: str | None = None) -> str:
    """The catalog address that lists the records of figure `name` in the row `key`."""
    query = {**FIGURE_FILTERS[name], **scope_filters(params, key)}
    return f"{reverse('catalog')}?{urlencode(query)}"
