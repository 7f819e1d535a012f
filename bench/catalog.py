"""The public catalog at national scale, against a Datasette-like baseline on the same data.

The baseline: every record as one row of a flat SQLite table in a separate file (built
untimed), searched as Datasette does for `?name__contains=宗祠`: a LIKE scan for the count and
the first page in rowid order. Then, through the real API with Django's test Client: the full
search-index refresh, `q` searches of each kind (exact counts and the first page), record
pages. Medians of 5 runs. Assumes Django is set up on a database that holds the registry.
"""

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from django.core.cache import cache
from django.db import connection
from django.test import Client

from registry.models import Record
from registry.services import search_index

RUNS = 5
CHINESE = {"1 char": "祠", "2 chars": "宗祠", "3 chars": "电影院", "4 chars": "张氏宗祠"}
LATIN = {"pinyin": "zongci", "pinyin, long": "zhangshizongci", "initials": "zszc"}
FLAT_COLUMNS = (
    "code, kind, name, name_en, level, region_id, designated_on, revoked_on, address, lat, lon"
)


def _median(fn, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _build_flat(path: Path) -> int:
    flat = sqlite3.connect(path)
    flat.execute(f"CREATE TABLE flat ({FLAT_COLUMNS})")
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {FLAT_COLUMNS} FROM {Record._meta.db_table} ORDER BY id")
        while rows := cursor.fetchmany(50_000):
            flat.executemany(f"INSERT INTO flat VALUES ({', '.join(['?'] * 11)})", rows)
            count += len(rows)
    flat.commit()
    flat.close()
    return count


def _baseline(path: Path, q: str) -> tuple[float, int]:
    flat = sqlite3.connect(path)
    pattern = f"%{q}%"

    def search():
        total = flat.execute("SELECT count(*) FROM flat WHERE name LIKE ?", [pattern]).fetchone()
        flat.execute(
            "SELECT rowid, * FROM flat WHERE name LIKE ? ORDER BY rowid LIMIT 20", [pattern]
        ).fetchall()
        return total[0]

    seconds, total = _median(search)
    flat.close()
    return seconds, total


def _api(client: Client, url: str) -> tuple[float, dict]:
    cache.clear()  # the anonymous throttle counts in the cache

    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    seconds, response = _median(get)
    return seconds, response.json() if "json" in response["Content-Type"] else {}


def run(results: dict) -> None:
    out: dict = {}
    started = time.perf_counter()
    search_index.refresh()  # the importer's raw SQL sends no signals: build it once here
    out["refresh_all_s"] = round(time.perf_counter() - started, 2)
    one = list(Record.objects.values_list("pk", flat=True)[:1])
    refresh_one, _ = _median(lambda: search_index.refresh(records=one))
    out["refresh_one_record_s"] = round(refresh_one, 4)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flat.sqlite3"
        out["flat_rows"] = _build_flat(path)
        baseline_s, baseline_total = _baseline(path, "宗祠")
        out["baseline_like_宗祠_s"] = round(baseline_s, 4)
        out["baseline_like_宗祠_count"] = baseline_total
        client = Client()
        searches = {}
        code = Record.objects.filter(kind="building").order_by("-id").values_list("code")[0][0]
        queries = {**CHINESE, **LATIN, "code": code, "code part": code.split("-")[-1]}
        for label, q in queries.items():
            seconds, data = _api(client, f"/api/v1/records/?q={q}")
            row = {"q": q, "count": data["count"], "ms": round(seconds * 1000, 1)}
            if label in CHINESE:  # exact: the same count as a scan of every name
                row["equals_like_scan"] = data["count"] == _baseline(path, q)[1]
            searches[label] = row
        out["searches"] = searches
    for label, url in {
        "q=宗祠 & region=140000": "/api/v1/records/?q=宗祠&region=140000",
        "q=zongci & kind & status": "/api/v1/records/?q=zongci&kind=building&status=designated",
        "list, no filter": "/api/v1/records/",
        "search page /?q=宗祠": "/?q=宗祠",
    }.items():
        seconds, data = _api(client, url)
        out["searches"][label] = {"ms": round(seconds * 1000, 1), "count": data.get("count")}
    ratio = out["searches"]["2 chars"]["ms"] / 1000 / baseline_s
    out["ratio_宗祠_to_baseline"] = round(ratio, 3)
    medians = [s["ms"] for label, s in out["searches"].items() if label in queries]
    out["median_of_q_searches_ms"] = round(statistics.median(medians), 1)

    codes = list(Record.objects.order_by("?").values_list("code", flat=True)[:20])
    page_times = [_api(client, f"/records/{c}/")[0] for c in codes]
    api_times = [_api(client, f"/api/v1/records/{c}/")[0] for c in codes]
    out["record_page_median_ms"] = round(statistics.median(page_times) * 1000, 1)
    out["record_page_max_ms"] = round(max(page_times) * 1000, 1)
    out["record_api_median_ms"] = round(statistics.median(api_times) * 1000, 1)
    results["catalog"] = out
    for key, value in out.items():
        print(f"  {key}: {value}", flush=True)
