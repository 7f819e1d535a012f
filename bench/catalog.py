"""The public catalog at national scale, against Datasette on the same data, in one run.

Datasette serves every record as one flat SQLite table (bench/datasette.py, built untimed);
the registry runs as in production (gunicorn, production settings, bench/load.Server). Both
are asked over loopback HTTP by the same client, one request at a time: Datasette for
`name__contains=…` with its count, the registry for `q=…` with its exact count, first pages of
20 each. Medians of 5 runs after one warm-up. Assumes Django is set up on the bench database.
"""

import os
import statistics
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.datasette import Datasette, build_flat, get_json
from bench.load import Server, _free_port
from registry.models import Record
from registry.services import search_index

RUNS = 5
CHINESE = {"1 char": "祠", "2 chars": "宗祠", "3 chars": "电影院", "4 chars": "张氏宗祠"}
LATIN = {"pinyin": "zongci", "pinyin, long": "zhangshizongci", "initials": "zszc"}


def _median(fn, runs: int = RUNS) -> tuple[float, object]:
    result = fn()  # warm-up, not counted: both servers start cold
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run(results: dict) -> None:
    out: dict = {}
    started = time.perf_counter()
    search_index.refresh()  # the importer's raw SQL sends no signals: build it once here
    out["refresh_all_s"] = round(time.perf_counter() - started, 2)
    one = list(Record.objects.values_list("pk", flat=True)[:1])
    refresh_one, _ = _median(lambda: search_index.refresh(records=one))
    out["refresh_one_record_s"] = round(refresh_one, 4)

    with tempfile.TemporaryDirectory() as tmp:
        flat = Path(tmp) / "flat.sqlite3"
        out["flat_rows"] = build_flat(flat)
        server = Server(os.environ["DATABASE_URL"], workers=2)
        try:
            with Datasette(flat, _free_port()) as datasette:
                out["datasette_version"] = datasette.version()
                _searches(out, server.port, datasette)
            _pages(out, server.port)
        finally:
            server.stop()
    results["catalog"] = out
    for key, value in out.items():
        print(f"  {key}: {value}", flush=True)


def _searches(out: dict, port: int, datasette: Datasette) -> None:
    def ours(path: str) -> tuple[float, dict]:
        return _median(lambda: get_json(port, path))

    code = Record.objects.filter(kind="building").order_by("-id").values_list("code")[0][0]
    queries = {**CHINESE, **LATIN, "code": code, "code part": code.split("-")[-1]}
    searches = {}
    for label, q in queries.items():
        seconds, data = ours(f"/api/v1/records/?q={urllib.parse.quote(q)}")
        row = {"q": q, "count": data["count"], "ms": _ms(seconds)}
        if label in CHINESE:  # the same question put to Datasette: its time, its count
            theirs, (count, _rows) = _median(lambda q=q: datasette.search(q))
            row["datasette_ms"], row["datasette_count"] = _ms(theirs), count
            row["ratio"] = round(seconds / theirs, 3)
            row["same_count"] = count == data["count"]
            row["datasette_fts_count"] = datasette.search(q, fts=True)[0]
        searches[label] = row
    for label, path in {
        "q=宗祠 & region=140000": "/api/v1/records/?q=宗祠&region=140000",
        "q=宗祠 & kind=building": "/api/v1/records/?q=宗祠&kind=building",
        "q=zongci & kind & status": "/api/v1/records/?q=zongci&kind=building&status=designated",
        "list, no filter": "/api/v1/records/",
        "search page /?q=宗祠": "/?q=宗祠",
        "search page /?q=宗祠&region=140000": "/?q=宗祠&region=140000",
    }.items():
        seconds, data = ours(urllib.parse.quote(path, safe="/?=&"))
        searches[label] = {"ms": _ms(seconds), "count": data.get("count")}
    # The same filtered question put to Datasette: Shanxi is region codes starting 14.
    path = "/flat/flat.json?name__contains=%E5%AE%97%E7%A5%A0&region_id__startswith=14&_size=20"
    theirs, data = _median(lambda: datasette.get(path))
    row = searches["q=宗祠 & region=140000"]
    row["datasette_ms"], row["datasette_count"] = _ms(theirs), data["filtered_table_rows_count"]
    row["ratio"] = round(row["ms"] / 1000 / theirs, 3)
    out["searches"] = searches
    medians = [searches[label]["ms"] for label in queries]
    out["median_of_q_searches_ms"] = round(statistics.median(medians), 1)
    two = searches["2 chars"]
    out["宗祠_ms_vs_datasette_ms"] = [two["ms"], two["datasette_ms"]]
    out["ratio_宗祠_to_datasette"] = two["ratio"]


def _pages(out: dict, port: int) -> None:
    codes = list(Record.objects.order_by("?").values_list("code", flat=True)[:20])
    page = [_median(lambda c=c: get_json(port, f"/records/{c}/"))[0] for c in codes]
    api = [_median(lambda c=c: get_json(port, f"/api/v1/records/{c}/"))[0] for c in codes]
    out["record_page_median_ms"] = _ms(statistics.median(page))
    out["record_page_max_ms"] = _ms(max(page))
    out["record_api_median_ms"] = _ms(statistics.median(api))
