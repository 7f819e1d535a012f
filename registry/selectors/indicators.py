"""The indicators of indicators.md: plaque coverage, vacancy and archive coverage, as of any
day.

Two parts, both here so that the whole definition reads in one place:

1. What one record counts for on day D (`record_figures_sql`): the SQL that
   registry.services.indicator_state runs to keep the IndicatorChange / IndicatorTotal tables
   current for every day on which a record's contribution changes.
2. The report (`indicator_report`, `indicator_trend`): sums of those figures over the series
   (region, level) in scope, each read as of D with one index seek, and the rates.
"""

import datetime
from collections.abc import Iterable

from django.db import connection
from django.utils.translation import gettext

from registry.choices import Kind, Level, Occupancy
from registry.models import IndicatorTotal, Plaque, Region
from registry.models.indicators import FIGURES
from registry.models.records import archived_sql, designated_sql, hanging_sql
from registry.models.regions import region_label
from registry.models.surveys import latest_approved_sql
from registry.regionscope import province_key, scope_range

GROUPINGS = ("none", "province", "prefecture", "county", "level")
PLAQUE_TARGET = 1
VACANCY_TARGET = 0.10


# --- 1. What a record counts for on day D ----------------------------------------------------


def figures_sql(
    kind: str, designated: str, plaqued: str, vacant: str, unknown: str, archived: str
) -> dict:
    """SQL expressions (0 or 1) of each figure for one record, given SQL conditions for its
    kind and for its state on day D. The one place that says which record counts where."""
    district = f"{kind} = '{Kind.DISTRICT.value}' AND {designated}"
    building = f"{kind} = '{Kind.BUILDING.value}' AND {designated}"
    conditions = {
        "districts": district,
        "districts_plaqued": f"{district} AND {plaqued}",
        "buildings": building,
        "buildings_plaqued": f"{building} AND {plaqued}",
        "buildings_vacant": f"{building} AND {vacant}",
        "buildings_occupancy_unknown": f"{building} AND {unknown}",
        "districts_archived": f"{district} AND {archived}",
        "buildings_archived": f"{building} AND {archived}",
    }
    return {name: f"CASE WHEN {cond} THEN 1 ELSE 0 END" for name, cond in conditions.items()}


def _record_state(day: str, r: str) -> tuple[str, str, str, str]:
    """SQL for the record's state on day D, word for word from indicators.md: designated,
    plaqued (conditions), occupancy (the latest approved survey's; NULL = unknown) and
    archived (a condition)."""
    designated = designated_sql(day, r)
    plaqued = (
        f"EXISTS (SELECT 1 FROM {Plaque._meta.db_table} p WHERE p.record_id = {r}.id"
        f" AND {hanging_sql(day, 'p')})"
    )
    occupancy = latest_approved_sql("occupancy", day, f"{r}.id")
    return designated, plaqued, occupancy, archived_sql(day, r)


def record_state_sql(day: str, record: str = "r") -> str:
    """Columns designated (0/1), plaqued (0/1), occupancy and archived (0/1) of `record` on
    day `day`; the survey is looked up for buildings only, the only kind that has surveys."""
    designated, plaqued, occupancy, archived = _record_state(day, record)
    return (
        f"CASE WHEN {designated} THEN 1 ELSE 0 END AS designated, "
        f"CASE WHEN {plaqued} THEN 1 ELSE 0 END AS plaqued, "
        f"CASE WHEN {record}.kind = '{Kind.BUILDING.value}' THEN {occupancy} END AS occupancy, "
        f"CASE WHEN {archived} THEN 1 ELSE 0 END AS archived"
    )


def record_figures_sql(day: str, record: str = "r") -> dict[str, str]:
    """The figures of `record` (an alias of the record table) on the day given by the SQL
    expression `day`, straight from the definitions. The indicator state is built from
    record_state_sql instead (registry.services.indicator_state), and tested equal to this."""
    designated, plaqued, occupancy, archived = _record_state(day, record)
    return figures_sql(
        f"{record}.kind", designated, plaqued, f"{occupancy} = '{Occupancy.VACANT.value}'",
        f"{occupancy} IS NULL", archived,
    )  # fmt: skip


def with_rates(figures: dict) -> dict:
    """Add the rates of indicators.md, in the order of its example; a rate over an empty
    denominator is null, and so is its target flag (archive coverage has no target)."""
    total = figures["districts"] + figures["buildings"]
    plaqued = figures["districts_plaqued"] + figures["buildings_plaqued"]
    archived = figures["districts_archived"] + figures["buildings_archived"]
    coverage = plaqued / total if total else None
    vacancy = figures["buildings_vacant"] / figures["buildings"] if figures["buildings"] else None
    return {
        **figures,
        "plaque_coverage": coverage,
        "plaque_target_met": None if coverage is None else coverage == PLAQUE_TARGET,
        "vacancy_rate": vacancy,
        "vacancy_target_met": None if vacancy is None else vacancy < VACANCY_TARGET,
        "archive_coverage": archived / total if total else None,
    }


# --- 2. Reports ------------------------------------------------------------------------------

TOTALS_TABLE = IndicatorTotal._meta.db_table
KEY_SQL = {
    "province": "SUBSTR(t.region_code, 1, 2) || '0000'",
    "prefecture": "SUBSTR(t.region_code, 1, 4) || '00'",
    "county": "t.region_code",
    "level": "t.level",
}
SUMS_SQL = ", ".join(f"SUM(t.{name})" for name in FIGURES)


def _latest_sql(region: str | None, level: str | None, days: list) -> tuple[str, list]:
    """For every series (region, level) in scope and every day, the id of the series' latest
    IndicatorTotal row on or before that day. The series are driven from the region table and
    the levels, so the work is one index seek on (region_code, level, day) per series and day,
    never a scan of the history."""
    levels = [level] if level else list(Level.values)
    where, scope = "", []
    if region:
        where, scope = "WHERE r.code BETWEEN %s AND %s", list(scope_range(region))
    sql = (
        f"SELECT d.day AS day, (SELECT t2.id FROM {TOTALS_TABLE} t2"
        " WHERE t2.region_code = r.code AND t2.level = l.level AND t2.day <= d.day"
        " ORDER BY t2.day DESC LIMIT 1) AS tid"
        f" FROM {Region._meta.db_table} r"
        f" CROSS JOIN ({_union('day', days)}) d"
        f" CROSS JOIN ({_union('level', levels)}) l {where}"
    )
    return sql, [*days, *levels, *scope]


def _union(column: str, values: list) -> str:
    return " UNION ALL ".join([f"SELECT %s AS {column}"] * len(values))


def _sum_latest(key: str, region, level, days) -> list[tuple]:
    """(key, *FIGURES) summed over the latest rows, grouped by the SQL expression `key`."""
    latest, params = _latest_sql(region, level, days)
    group = "" if key == "''" else f"GROUP BY {key}"
    sql = (
        f"SELECT {key}, {SUMS_SQL} FROM ({latest}) latest"
        f" JOIN {TOTALS_TABLE} t ON t.id = latest.tid {group}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _figures(values: Iterable) -> dict:
    return {name: int(value or 0) for name, value in zip(FIGURES, values, strict=True)}


def indicator_report(
    *,
    as_of: datetime.date,
    by: str = "none",
    region: str | None = None,
    level: str | None = None,
    localized: bool = False,
) -> dict:
    """The report of indicators.md. `region` and `level` must be valid (see
    registry.forms.indicators). One query, plus one for the labels of a region grouping.
    A row's label is the region's name, as the spec says; `localized` labels it in the current
    language instead (the page and its CSV and xlsx, for a reader of English)."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    result = _sum_latest(KEY_SQL.get(by, "''"), region, level, [as_of])
    groups = {row[0]: _figures(row[1:]) for row in result}
    total = _figures(sum(g[name] for g in groups.values()) for name in FIGURES)
    rows = []
    if by != "none":
        # Code-point order, whatever the database's collation.
        keep = sorted(k for k, g in groups.items() if g["districts"] or g["buildings"])
        labels = _labels(by, keep, localized)
        rows = [{"key": k, "label": labels[k], **with_rates(groups[k])} for k in keep]
    return {
        "as_of": as_of.isoformat(),
        "by": by,
        "region": region,
        "level": level,
        "rows": rows,
        "total": with_rates(total),
    }


def scope_label(region: str | None) -> str:
    """The name of a report's scope for people (the downloads' title and conditions), in the
    current language: the region's name, else its province's; no region: the whole country.
    One query for a region."""
    if region is None:
        return gettext("全国")
    return _labels("county", [region], localized=True)[region]


def _labels(by: str, keys: list[str], localized: bool) -> dict[str, str]:
    """The region's name where the registry has the code, else its province's (e.g. 110100,
    a prefecture key of Beijing, which has no prefecture level)."""
    if by == "level":
        return {k: str(Level(k).label) for k in keys}
    wanted = set(keys) | {province_key(k) for k in keys}
    rows = Region.objects.filter(code__in=wanted).values_list("code", "name", "name_en")
    names = {c: region_label(n, e) if localized else n for c, n, e in rows}
    return {k: names.get(k) or names.get(province_key(k), k) for k in keys}


def trend_days(as_of: datetime.date, years: int) -> list[datetime.date]:
    """The year ends of the `years` years before `as_of`'s year, then `as_of` itself."""
    years = min(years, as_of.year - 1)  # there is no year 0
    ends = [datetime.date(as_of.year - n, 12, 31) for n in range(years, 0, -1)]
    return [*ends, as_of]


def indicator_trend(
    *,
    as_of: datetime.date,
    years: int = 10,
    region: str | None = None,
    level: str | None = None,
) -> list[dict]:
    """The figures and rates of one scope as of each day of `trend_days`, in one query."""
    days = trend_days(as_of, years)
    found = {
        _as_date(row[0]): _figures(row[1:])
        for row in _sum_latest("latest.day", region, level, days)
    }
    empty = _figures([0] * len(FIGURES))
    return [{"as_of": d.isoformat(), **with_rates(found.get(d, empty))} for d in days]


def _as_date(value) -> datetime.date:
    """SQLite hands back a computed date column as text."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
