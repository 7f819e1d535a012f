"""kill -9 in the middle of an import leaves the registry exactly as it was.

Runs real processes on a SQLite file of its own (WAL, as in production): a registry is seeded,
its every table fingerprinted; then an import of a larger file into a copy of it is killed with
SIGKILL at several points of its run (parse, stage, merge, indicator rebuild), and after each
kill every table must hash the same and the export be byte-identical (a kill that came after
the commit must leave the whole import). Finally the same import, run to the end, works.
"""

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # minutes, not seconds: `make test-fast` leaves it out

ROOT = Path(__file__).resolve().parents[1]


def manage(db: Path, *args, **kwargs):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "heritage.settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
        **kwargs,
    )


def start(db: Path, *args) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "heritage.settings",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def fingerprint(db: Path) -> dict[str, str]:
    """Every table's rows, hashed (a crash must not leave half a write anywhere)."""
    conn = sqlite3.connect(db)
    try:
        # SpatiaLite's own virtual tables (VirtualElementary, VirtualSpatialIndex...) hold no
        # data and need the extension to be read; FTS5 and R*Tree tables are SQLite's.
        names = [
            n
            for (n, sql) in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            if not sql.startswith("CREATE VIRTUAL TABLE")
            or re.search(r"USING\s+(fts5|rtree)", sql, re.IGNORECASE)
        ]
        digest = {}
        for name in sorted(names):
            # Sorted here: FTS5's shadow tables have no rowid to order by.
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{name}"'))
            digest[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return digest
    finally:
        conn.close()


def export(db: Path) -> bytes:
    return manage(db, "export_heritage").stdout


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_import_killed_midway_changes_nothing(tmp_path):
    db = tmp_path / "registry.sqlite3"
    seed, big = tmp_path / "seed.jsonl", tmp_path / "big.jsonl"
    manage(db, "migrate", "--noinput")
    manage(db, "generate_demo", "--buildings", "500", "--seed", "7", "--output", str(seed))
    manage(db, "generate_demo", "--buildings", "6000", "--seed", "8", "--output", str(big))
    manage(db, "import_heritage", str(seed))
    before, before_export = fingerprint(db), export(db)
    assert before_export.count(b"\n") > 500

    # How long the whole import takes here, on a copy (VACUUM INTO: a consistent copy).
    probe = tmp_path / "probe.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("VACUUM INTO ?", (str(probe),))
    began = time.monotonic()
    printed = manage(probe, "import_heritage", str(big)).stdout.decode()
    took = time.monotonic() - began
    # The import's own time, as it reports it; the rest is the process starting.
    seconds = float(re.search(r" in ([0-9.]+) s", printed).group(1))
    startup = max(took - seconds, 0)

    after_export = export(probe)
    # Each attempt on a fresh copy of the seeded registry. The kill time adapts (the machine
    # may be busy): earlier when the import had already finished or committed, later after a
    # kill inside it, so that the kills spread over its phases.
    killed_midway, delay, attempts = [], startup + seconds * 0.3, 0
    while len(killed_midway) < 3 and attempts < 12:
        attempts += 1
        target = tmp_path / f"attempt-{attempts}.sqlite3"
        with sqlite3.connect(db) as conn:
            conn.execute("VACUUM INTO ?", (str(target),))
        process = start(target, "import_heritage", str(big))
        time.sleep(delay)
        if process.poll() is not None:
            delay *= 0.7  # finished already: nothing was interrupted
            continue
        os.killpg(process.pid, signal.SIGKILL)  # its worker processes too
        process.wait()
        now = export(target)
        if now == after_export:
            delay *= 0.8  # killed after its commit: the whole import is there, as it should
            continue
        assert now == before_export, f"killed after {delay:.2f} s: half an import"
        assert fingerprint(target) == before, f"killed after {delay:.2f} s: a table changed"
        killed_midway.append(round(delay, 2))
        delay += seconds * 0.25
    print(f"import ({seconds:.1f} s) killed inside its run after {killed_midway} s")
    assert len(killed_midway) >= 3, "too few kills landed inside the import to prove anything"

    manage(db, "import_heritage", str(big))
    assert fingerprint(db) != before
    assert export(db) == after_export
