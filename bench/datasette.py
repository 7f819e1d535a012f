"""The issue's baseline for catalog search: Datasette serving the same records as one flat
SQLite table, asked over HTTP exactly as a user of it would ask.

Datasette runs from its own virtualenv (.venv-datasette, made by `make bench` from
bench/requirements-datasette.txt) so that its dependencies never move the app's pins. Its
settings are the defaults except `sql_time_limit_ms`: at the default 1 s a slow count comes
back as null, and the comparison is "the search with its count".
"""

import http.client
import json
import os
import sqlite3
import subprocess
import urllib.parse
from pathlib import Path

from django.db import connection

from bench.load import stop_process, wait_until_up
from registry.models import Record

ROOT = Path(__file__).resolve().parent.parent
EXECUTABLE = Path(os.environ.get("BENCH_DATASETTE", ROOT / ".venv-datasette/bin/datasette"))
COLUMNS = (
    "code, kind, name, name_en, level, region_id, designated_on, revoked_on, address, lat, lon"
)


def build_flat(path: Path) -> int:
    """Every record as one row of table `flat`, plus the full-text index Datasette finds by
    itself (an FTS5 table with content="flat", as `sqlite-utils enable-fts` makes). Untimed."""
    flat = sqlite3.connect(path)
    flat.execute(f"CREATE TABLE flat ({COLUMNS})")
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM {Record._meta.db_table} ORDER BY id")
        while rows := cursor.fetchmany(50_000):
            flat.executemany(f"INSERT INTO flat VALUES ({', '.join(['?'] * 11)})", rows)
            count += len(rows)
    flat.execute(
        'CREATE VIRTUAL TABLE flat_fts USING fts5(name, address, content="flat", '
        "content_rowid=rowid)"
    )
    flat.execute("INSERT INTO flat_fts(flat_fts) VALUES ('rebuild')")
    flat.commit()
    flat.close()
    return count


class Datasette:
    """`datasette serve` on a loopback port, stopped on exit."""

    def __init__(self, db: Path, port: int):
        if not EXECUTABLE.exists():
            raise FileNotFoundError(f"{EXECUTABLE}: run `make bench`, which installs Datasette")
        self.port = port
        self.process = subprocess.Popen(
            [str(EXECUTABLE), "serve", str(db), "--host", "127.0.0.1", "--port", str(port),
             "--setting", "sql_time_limit_ms", "60000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until_up(self, "/-/versions.json", seconds=60, what="Datasette")

    def version(self) -> str:
        return self.get("/-/versions.json")["datasette"]["version"]

    def get(self, path: str) -> dict:
        return get_json(self.port, path)

    def search(self, q: str, *, fts: bool = False) -> tuple[int | None, int]:
        """(count, rows on the page) for `name__contains=q`, or for `_search=q` (its FTS)."""
        param = "_search" if fts else "name__contains"
        data = self.get(f"/flat/flat.json?{param}={urllib.parse.quote(q)}&_size=20")
        return data["filtered_table_rows_count"], len(data["rows"])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        stop_process(self.process)


def get_json(port: int, path: str) -> dict:
    """GET over a fresh loopback connection (as a browser's first request would), JSON back."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Accept-Language": "zh-CN"})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}: {body[:200]!r}")
        return json.loads(body) if "json" in (response.getheader("Content-Type") or "") else {}
    finally:
        conn.close()
