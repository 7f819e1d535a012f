"""Indicator reports at national scale, against the floor of a report that scans.

The floor: one raw GROUP BY over a single flat table of pre-computed per-record figures (as
of today), in a separate SQLite file built from the same registry, untimed. The selector must
give the national report by province today at or below it, and as of a past day within 2x.
Medians of 3 runs. Assumes Django is set up on a database that holds the registry.
"""

import datetime
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from django.db import connection
from django.utils import timezone

from registry.models import Record
from registry.selectors.indicators import FIGURES, indicator_report, record_figures_sql
from registry.services.indicator_state import refresh

AS_OF = datetime.date(2020, 12, 31)
FLOOR_SQL = (
    "SELECT SUBSTR(region, 1, 2) || '0000' AS province, "
    + ", ".join(f"SUM({f})" for f in FIGURES)
    + " FROM flat GROUP BY province"
)


def _median(fn, runs: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _build_flat(path: Path, today: datetime.date) -> int:
    """One row per district and building with its figures today, straight from the formulas."""
    figures = record_figures_sql("%s")
    params = [today] * sum(sql.count("%s") for sql in figures.values())
    select = ", ".join(f"{sql} AS {name}" for name, sql in figures.items())
    flat = sqlite3.connect(path)
    flat.execute(
        "CREATE TABLE flat (region TEXT, level TEXT, "
        + ", ".join(f"{f} INTEGER" for f in FIGURES)
        + ")"
    )
    insert = f"INSERT INTO flat VALUES ({', '.join(['?'] * (2 + len(FIGURES)))})"
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.region_id, r.level, {select} FROM {Record._meta.db_table} r"
            " WHERE r.kind IN ('district', 'building')",
            params,
        )
        while rows := cursor.fetchmany(50_000):
            flat.executemany(insert, rows)
            count += len(rows)
    flat.commit()
    flat.close()
    return count


def run(results: dict) -> None:
    today = timezone.localdate()
    out: dict = {"as_of_past": AS_OF.isoformat(), "today": today.isoformat()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flat.sqlite3"
        started = time.perf_counter()
        out["flat_rows"] = _build_flat(path, today)
        out["flat_build_s"] = round(time.perf_counter() - started, 2)
        flat = sqlite3.connect(path)
        floor, floor_rows = _median(lambda: flat.execute(FLOOR_SQL).fetchall())
        flat.close()

    today_s, report = _median(lambda: indicator_report(as_of=today, by="province"))
    past_s, _ = _median(lambda: indicator_report(as_of=AS_OF, by="province"))
    by_province = {k: list(v) for k, *v in floor_rows if v[0] or v[2]}
    out["today_equals_flat"] = by_province == {
        row["key"]: [row[f] for f in FIGURES] for row in report["rows"]
    }
    # What a single ORM save costs (the signal receivers refresh one record by id).
    one = list(Record.objects.filter(kind="building").values_list("pk", flat=True)[:1])
    refresh_s, _ = _median(lambda: refresh(records=one))
    out.update(
        floor_group_by_s=round(floor, 4),
        report_today_by_province_s=round(today_s, 4),
        report_as_of_by_province_s=round(past_s, 4),
        ratio_today_to_floor=round(today_s / floor, 3),
        ratio_as_of_to_floor=round(past_s / floor, 3),
        refresh_one_record_s=round(refresh_s, 4),
    )
    results["indicators"] = out
    for key, value in out.items():
        print(f"  {key}: {value}", flush=True)
