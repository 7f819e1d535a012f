"""Load: gunicorn (production settings) on the bench database, 32 concurrent clients for 60 s
over loopback, a mix of searches, record pages and indicator reports, while a writer saves
surveys into the same SQLite file. Reports requests/s, p50/p99 per kind, every non-200 answer
and every failed write ("database is locked" would be one).

    python -m bench.load --db bench/out/bench.sqlite3 [--seconds 60] [--clients 32]

or as the last step of `make bench` (bench/__main__.py calls run(results)). The client is a
small threaded HTTP client (no external tool): it runs on the same two cores as the server, so
the figures are a floor for what the server alone would do.
"""

import argparse
import datetime
import http.client
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEARCHES = ["宗祠", "祠", "老街", "民居", "故居", "zongci", "zszc", "gj", "会馆", "书院"]
FILTERS = ["kind=building", "kind=district", "level=national", "region=140000", "status=revoked"]
INDICATOR_URLS = [
    "/api/v1/indicators/?by=province",
    "/api/v1/indicators/?by=county&region=140000",
    "/api/v1/indicators/?by=level&as_of=2020-12-31",
    "/api/v1/indicators/trend/?region=330000&years=10",
    "/reports/?by=province",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sample_codes(n: int = 2000) -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT MAX(id) FROM registry_record")
        top = cur.fetchone()[0] or 0
        ids = random.sample(range(1, top + 1), min(n, top))
        marks = ",".join(["%s"] * len(ids))
        cur.execute(f"SELECT code FROM registry_record WHERE id IN ({marks})", ids)
        return [code for (code,) in cur.fetchall()]


def _request_mix(codes: list[str], rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.45:
        q = urllib.parse.quote(rng.choice(SEARCHES))
        extra = f"&{rng.choice(FILTERS)}" if rng.random() < 0.4 else ""
        page = rng.choice(["/", "/api/v1/records/"])
        return "search", f"{page}?q={q}{extra}"
    if roll < 0.85:
        code = urllib.parse.quote(rng.choice(codes))
        return "record", rng.choice([f"/records/{code}/", f"/api/v1/records/{code}/"])
    return "indicators", rng.choice(INDICATOR_URLS)


class Server:
    """gunicorn with heritage.settings.production on the database at `database_url`, loopback
    only."""

    def __init__(self, database_url: str, workers: int):
        self.port = _free_port()
        self.static = tempfile.mkdtemp(prefix="heritage-static-")
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "heritage.settings.production",
            "DATABASE_URL": database_url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "HERITAGE_PUBLIC_URL": "https://heritage.example.cn",  # required; only links name it
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain http on loopback
            "DJANGO_STATIC_ROOT": self.static,
            # One client address makes every request: the anonymous API rate would refuse most.
            "HERITAGE_ANON_RATE": "100000000/minute",
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=self.env, check=True,
        )  # fmt: skip
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"), "heritage.wsgi",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                "--timeout", "60", "--log-level", "warning",
            ],
            cwd=ROOT, env=self.env,
        )  # fmt: skip
        wait_until_up(self, "/api/v1/indicators/", seconds=30, what="gunicorn")

    def get(self, path: str) -> tuple[int, int]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", path, headers={"Accept-Language": "zh-CN"})
            response = conn.getresponse()
            return response.status, len(response.read())
        finally:
            conn.close()

    def stop(self) -> None:
        stop_process(self.process)


def wait_until_up(server, path: str, *, seconds: float, what: str) -> None:
    """Until `server.get(path)` answers; a server that never does is stopped and reported."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            server.get(path)
            return
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{what} did not answer within {seconds:.0f} s")


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _writer(stop: threading.Event, codes: list[str], log: dict) -> None:
    """Surveyors at work: an approved survey saved every 0.2 s (signals refresh the indicator
    state and search data in the same transaction, as in the admin)."""
    from django.db import close_old_connections

    from registry.models import Record, Survey

    buildings = list(
        Record.objects.filter(code__in=codes, kind="building").values_list("id", flat=True)
    )
    rng, day = random.Random(7), datetime.date(2030, 1, 1)
    while not stop.is_set() and buildings:
        started = time.perf_counter()
        try:
            survey = Survey.objects.create(
                building_id=rng.choice(buildings), surveyed_on=day, occupancy="in_use",
                state="approved", surveyor="bench",
            )  # fmt: skip
            log["ids"].append(survey.pk)
            log["times"].append(time.perf_counter() - started)
        except Exception as error:  # counted and reported, never hidden
            log["errors"].append(f"{type(error).__name__}: {error}")
        day += datetime.timedelta(days=1)
        close_old_connections()
        stop.wait(0.2)


def _clean_up(log: dict) -> None:
    from registry.models import Survey

    for pk in log["ids"]:  # one by one: the signals restore the indicator state
        Survey.objects.filter(pk=pk).first().delete()


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def load(database_url: str, *, seconds: float = 60, clients: int = 32, workers: int = 4) -> dict:
    codes = _sample_codes()
    server = Server(database_url, workers)
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, int] = defaultdict(int)
    failures: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    writes: dict = {"ids": [], "times": [], "errors": []}

    def client(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            kind, path = _request_mix(codes, rng)
            started = time.perf_counter()
            try:
                status, _size = server.get(path)
            except OSError as error:
                with lock:
                    failures.append(f"{path}: {error}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies[kind].append(elapsed)
                statuses[f"{kind} {status}"] += 1
                if status != 200:
                    failures.append(f"{status} {path}")

    try:
        for path in INDICATOR_URLS + [f"/records/{codes[0]}/", "/?q=%E5%AE%97%E7%A5%A0"]:
            server.get(path)  # warm each worker's caches a little
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        writer = threading.Thread(target=_writer, args=(stop, codes, writes))
        began = time.perf_counter()
        for t in [*threads, writer]:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in [*threads, writer]:
            t.join()
        wall = time.perf_counter() - began
    finally:
        server.stop()
        _clean_up(writes)
    every = [x for values in latencies.values() for x in values]
    summary = {
        "seconds": round(wall, 1),
        "clients": clients,
        "gunicorn_workers": workers,
        "requests": len(every),
        "requests_per_s": round(len(every) / wall, 1),
        "p50_ms": round(_pct(every, 0.5) * 1000, 1),
        "p99_ms": round(_pct(every, 0.99) * 1000, 1),
        "errors": len(failures),
        "error_samples": failures[:10],
        "by_kind": {
            kind: {
                "requests": len(values),
                "p50_ms": round(_pct(values, 0.5) * 1000, 1),
                "p99_ms": round(_pct(values, 0.99) * 1000, 1),
            }
            for kind, values in sorted(latencies.items())
        },
        "statuses": dict(sorted(statuses.items())),
        "survey_writes": len(writes["times"]),
        "survey_write_p50_ms": round(_pct(writes["times"], 0.5) * 1000, 1),
        "survey_write_max_ms": round(max(writes["times"], default=0) * 1000, 1),
        "survey_write_errors": writes["errors"][:10],
        "database_locked_errors": sum("locked" in e for e in writes["errors"] + failures),
    }
    return summary


def run(results: dict) -> None:
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
    summary = load(os.environ["DATABASE_URL"], seconds=seconds)
    results["load"] = summary
    print(
        f"load: {summary['requests_per_s']} req/s, p50 {summary['p50_ms']} ms, "
        f"p99 {summary['p99_ms']} ms, {summary['errors']} errors; "
        f"{summary['survey_writes']} survey writes, "
        f"{summary['database_locked_errors']} 'database is locked'",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--db", type=Path, required=True, help="a migrated, filled SQLite file")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heritage.settings")
    import django

    django.setup()
    import json

    summary = load(
        os.environ["DATABASE_URL"], seconds=args.seconds, clients=args.clients, workers=args.workers
    )
    print(json.dumps(summary, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
