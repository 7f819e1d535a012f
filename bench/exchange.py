"""Exchange benchmark: the floor (parse + one flat table), the import, a re-import, the export."""

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLAT_COLUMNS = (
    "kind", "code", "name", "name_en", "level", "region", "parent", "designated_on",
    "revoked_on", "address", "lat", "lon",
)  # fmt: skip


def floor(path: Path, out_dir: Path) -> float:
    """What the issue calls the floor: json.loads each line, executemany into one flat
    SQLite table, no validation, no indexes, one commit."""
    db = out_dir / "floor.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE flat ({', '.join(FLAT_COLUMNS)})")
    marks = ", ".join("?" * len(FLAT_COLUMNS))
    rows = []
    with path.open("rb") as f:
        for line in f:
            obj = json.loads(line)
            rows.append(tuple(obj.get(key) for key in FLAT_COLUMNS))
            if len(rows) >= 10000:
                conn.executemany(f"INSERT INTO flat VALUES ({marks})", rows)
                rows.clear()
    conn.executemany(f"INSERT INTO flat VALUES ({marks})", rows)
    conn.commit()
    conn.close()
    return time.perf_counter() - started


CHILD = (
    "import os, resource, sys\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'heritage.settings')\n"
    "from django.core.management import execute_from_command_line\n"
    "execute_from_command_line(['manage.py', *sys.argv[1:]])\n"
    "print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
)


def manage(*args: str, env: dict) -> tuple[float, float, str]:
    """Run a management command in a child process: (wall seconds, its peak RSS in MB, output)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-4000:]}")
    peak_kb = int(done.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
    output = (done.stdout + done.stderr.rsplit("PEAK_KB", 1)[0]).strip()
    return seconds, peak_kb / 1024, output


def run(results: dict, *, source: Path, out_dir: Path, env: dict) -> None:
    figures = results.setdefault("exchange", {})
    figures["floor_s"] = round(floor(source, out_dir), 2)
    print(f"floor (parse + flat executemany): {figures['floor_s']} s", flush=True)

    seconds, peak, output = manage("import_heritage", "-v", "2", str(source), env=env)
    figures["import_s"] = round(seconds, 2)
    figures["import_phases"] = output.rsplit("phases: ", 1)[-1]
    figures["import_peak_mb"] = round(peak)
    figures["import_vs_floor"] = round(seconds / figures["floor_s"], 2)
    print(f"import into an empty registry: {seconds:.1f} s ({output.strip()})", flush=True)

    seconds, _, output = manage("import_heritage", str(source), env=env)
    figures["reimport_s"] = round(seconds, 2)
    print(f"same file again (nothing changes): {seconds:.1f} s ({output.strip()})", flush=True)

    export = out_dir / "export.jsonl"
    seconds, peak, _ = manage("export_heritage", "--output", str(export), env=env)
    count = sum(1 for _ in export.open("rb"))
    figures["export_s"] = round(seconds, 2)
    figures["export_records_per_s"] = round(count / seconds)
    figures["export_peak_mb"] = round(peak)
    figures["records"] = count
    print(
        f"export: {count} records in {seconds:.1f} s = {count / seconds:,.0f} records/s, "
        f"peak RSS {peak:.0f} MB",
        flush=True,
    )
