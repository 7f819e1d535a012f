"""Keeps the pre-computed indicator state (registry/models/indicators.py) equal to what the
records, plaques and surveys say, in a constant number of set-based SQL statements.

Who calls `refresh`: registry/services/derived.py only, the one way every write (the importer,
the survey import, restore, the ORM signals, `manage.py refresh_derived`) brings the derived
state up to date.

Day rollover needs nothing: a change dated in the future (a plaque removal, a revocation) is
stored on its own day and counts from that day on, because reports read "the latest total on
or before D".
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet

from registry.choices import Kind, Occupancy, SurveyState
from registry.db import ids_sql, indexes_built_after
from registry.models import IndicatorChange, IndicatorTotal, Plaque, Record, Survey
from registry.selectors.indicators import FIGURES, figures_sql, record_state_sql

RECORDS_TABLE = Record._meta.db_table
PLAQUES_TABLE = Plaque._meta.db_table
SURVEYS_TABLE = Survey._meta.db_table
CHANGES_TABLE = IndicatorChange._meta.db_table
TOTALS_TABLE = IndicatorTotal._meta.db_table
# Any constant: serialises concurrent refreshes on PostgreSQL, which would otherwise both
# rebuild the same series and collide on its unique days. SQLite serialises writers anyway.
LOCK_KEY = 7_260_2260
COUNTED = (
    f"r.kind IN ('{Kind.DISTRICT.value}', '{Kind.BUILDING.value}') AND r.designated_on IS NOT NULL"
)


def refresh(records: QuerySet | Iterable[int] | None = None) -> None:
    """Recompute the indicator state of `records` (a Record queryset or record ids; None: all
    records), and the running totals of every series they count in or counted in before."""
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if records is None:
            cur.execute(f"DELETE FROM {CHANGES_TABLE}")
            cur.execute(f"DELETE FROM {TOTALS_TABLE}")
            with indexes_built_after(cur, [CHANGES_TABLE, TOTALS_TABLE]):
                cur.execute(*_insert_changes("", []))
                cur.execute(*_insert_totals(f"{CHANGES_TABLE} c"))
            return
        ids, params = ids_sql(records)
        # The series to rebuild: where the records counted (their old change rows) and where
        # they count now (a record may have moved to another region or level).
        cur.execute("DROP TABLE IF EXISTS ind_series")
        cur.execute(
            f"CREATE TEMP TABLE ind_series AS"
            f" SELECT region_code, level FROM {CHANGES_TABLE} WHERE record_id IN ({ids})"
            f" UNION SELECT region_id, level FROM {RECORDS_TABLE} WHERE id IN ({ids})",
            params * 2,
        )
        cur.execute(f"DELETE FROM {CHANGES_TABLE} WHERE record_id IN ({ids})", params)
        cur.execute(*_insert_changes(f"AND r.id IN ({ids})", params))
        cur.execute(
            f"DELETE FROM {TOTALS_TABLE} WHERE id IN"
            f" (SELECT t.id FROM ind_series s CROSS JOIN {TOTALS_TABLE} t"
            f" WHERE {_same_series('t')})"
        )
        cur.execute(
            *_insert_totals(f"ind_series s CROSS JOIN {CHANGES_TABLE} c WHERE {_same_series('c')}")
        )
        cur.execute("DROP TABLE ind_series")


def _same_series(table: str) -> str:
    # Joined from the few series to rebuild (CROSS JOIN keeps them the outer loop on
    # SQLite), so that the history of all other series is never scanned.
    return f"{table}.region_code = s.region_code AND {table}.level = s.level"


def _insert_changes(scope: str, params: list) -> tuple[str, list]:
    """One IndicatorChange row per record and day on which any figure changes.

    A record's figures can only change on the days when something about it starts or stops:
    designation, revocation, a plaque hung or removed, an approved survey, the archive
    completed (a record archived before its designation counts as archived from that day,
    which is listed anyway; one archived after its revocation never does). Its figures are
    evaluated on each of those days with the formulas of indicators.md, and the row keeps the
    difference from the day before (LAG); days without a difference are dropped."""
    base = f"{COUNTED} {scope}"

    def inside(day: str) -> str:  # on a day the record is designated, after its first one
        return f"{day} > r.designated_on AND (r.revoked_on IS NULL OR {day} < r.revoked_on)"

    days = (
        f"SELECT r.id AS record_id, r.designated_on AS day FROM {RECORDS_TABLE} r WHERE {base}"
        f" UNION ALL SELECT r.id, r.revoked_on FROM {RECORDS_TABLE} r"
        f" WHERE {base} AND r.revoked_on IS NOT NULL"
        f" UNION ALL SELECT r.id, p.installed_on"
        f" FROM {PLAQUES_TABLE} p JOIN {RECORDS_TABLE} r ON r.id = p.record_id"
        f" WHERE {base} AND {inside('p.installed_on')}"
        f" UNION ALL SELECT r.id, p.removed_on"
        f" FROM {PLAQUES_TABLE} p JOIN {RECORDS_TABLE} r ON r.id = p.record_id"
        f" WHERE {base} AND {inside('p.removed_on')}"
        f" UNION ALL SELECT r.id, s.surveyed_on"
        f" FROM {SURVEYS_TABLE} s JOIN {RECORDS_TABLE} r ON r.id = s.building_id"
        f" WHERE {base} AND r.kind = '{Kind.BUILDING.value}'"
        f" AND s.state = '{SurveyState.APPROVED.value}' AND {inside('s.surveyed_on')}"
        f" UNION ALL SELECT r.id, r.archive_completed_on FROM {RECORDS_TABLE} r"
        f" WHERE {base} AND {inside('r.archive_completed_on')}"
    )
    # A day listed twice (a plaque hung on the designation day) gives a second row with the
    # same figures, so a zero delta that is dropped: UNION ALL spares a de-duplicating sort.
    # The state is MATERIALIZED so that its plaque and survey subqueries run once per
    # (record, day), not once per figure that mentions them.
    state = record_state_sql("days.day", record="r")
    figures = figures_sql(
        "f.kind", "f.designated = 1", "f.plaqued = 1",
        f"f.occupancy = '{Occupancy.VACANT.value}'", "f.occupancy IS NULL", "f.archived = 1",
    )  # fmt: skip
    on_day = ", ".join(f"{sql} AS {name}" for name, sql in figures.items())
    deltas = ", ".join(f"{f} - LAG({f}, 1, 0) OVER w AS {f}" for f in FIGURES)
    columns = ", ".join(FIGURES)
    changed = " OR ".join(f"{f} <> 0" for f in FIGURES)
    sql = (
        f"INSERT INTO {CHANGES_TABLE} (record_id, region_code, level, day, {columns})"
        f" WITH days AS ({days}),"
        f" state AS MATERIALIZED ("
        f"  SELECT r.id AS record_id, r.region_id AS region_code, r.level AS level,"
        f"  r.kind AS kind, days.day AS day, {state}"
        f"  FROM days JOIN {RECORDS_TABLE} r ON r.id = days.record_id)"
        f" SELECT record_id, region_code, level, day, {columns} FROM ("
        f"  SELECT record_id, region_code, level, day, {deltas} FROM ("
        f"   SELECT record_id, region_code, level, day, {on_day} FROM state f"
        f"  ) g WINDOW w AS (PARTITION BY record_id ORDER BY day)"
        f" ) c WHERE {changed}"
    )
    return sql, params * 6


def _insert_totals(source: str) -> tuple[str, list]:
    """Running sums of the changes per series (region, level), one row per day it moved;
    `source` is the FROM clause that yields the changes `c` to sum."""
    columns = ", ".join(FIGURES)
    sums = ", ".join(f"SUM(SUM(c.{f})) OVER w" for f in FIGURES)
    sql = (
        f"INSERT INTO {TOTALS_TABLE} (region_code, level, day, {columns})"
        f" SELECT c.region_code, c.level, c.day, {sums} FROM {source}"
        " GROUP BY c.region_code, c.level, c.day"
        " WINDOW w AS (PARTITION BY c.region_code, c.level ORDER BY c.day)"
    )
    return sql, []
