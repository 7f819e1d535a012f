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


# The normalised floor writes what every import must write at least: the rows of the
# registry's own tables, with their constraints and indexes (secondary ones built after, as
# the importer does), straight from the parsed lines: no validation, no staging, no check
# across lines, no derived state (indicators, search, change log).
RECORD_INSERT = (
    "INSERT INTO registry_record (id, code, kind, name, name_en, level, region_id, parent_id,"
    " designated_on, revoked_on, address, lat, lon, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
PLAQUE_INSERT = (
    "INSERT INTO registry_plaque (record_id, number, installed_on, removed_on) VALUES (?, ?, ?, ?)"
)
SURVEY_INSERT = (
    "INSERT INTO registry_survey (building_id, surveyed_on, occupancy, condition, use, surveyor,"
    " notes, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'approved', ?)"
)
NORMALISED_TABLES = ("registry_record", "registry_plaque", "registry_survey")


def normalised_floor(path: Path, out_dir: Path, env: dict) -> dict:
    """Seconds to write the registry's normalised rows alone (see above), in one process
    like the floor; `writes_s` is the part spent in SQLite (executemany, index builds,
    commit), which no amount of parallel parsing could hide."""
    db = out_dir / "normalised.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    manage("migrate", "-v0", env={**env, "DATABASE_URL": f"sqlite:///{db}"})
    started = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    # The zone columns' triggers (GeoDjango's geometry columns) call SpatiaLite's functions.
    conn.enable_load_extension(True)
    conn.load_extension("mod_spatialite")
    for pragma in ("journal_mode = WAL", "foreign_keys = ON", "cache_size = -64000"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN IMMEDIATE")
    marks = ", ".join("?" * len(NORMALISED_TABLES))
    indexes = conn.execute(  # the parent index stays, as in registry.db.indexes_built_after
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({marks}) AND sql NOT LIKE '%(\"parent_id\")%'",
        NORMALISED_TABLES,
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    ids: dict[str, int] = {}  # a parent later in the file is left unset: a bound, not an import
    records, plaques, surveys = [], [], []
    writing = 0.0

    def write():
        nonlocal writing
        clock = time.perf_counter()
        conn.executemany(RECORD_INSERT, records)
        conn.executemany(PLAQUE_INSERT, plaques)
        conn.executemany(SURVEY_INSERT, surveys)
        writing += time.perf_counter() - clock
        records.clear(), plaques.clear(), surveys.clear()

    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            o = json.loads(line)
            ids[o["code"]] = number
            records.append((
                number, o["code"], o["kind"], o["name"], o.get("name_en"), o["level"],
                o["region"], ids.get(o.get("parent")), o.get("designated_on"),
                o.get("revoked_on"), o.get("address"), o.get("lat"), o.get("lon"), now, now,
            ))  # fmt: skip
            for p in o.get("plaques") or ():
                plaques.append((number, p.get("number"), p["installed_on"], p.get("removed_on")))
            for s in o.get("surveys") or ():
                surveys.append((
                    number, s["surveyed_on"], s["occupancy"], s.get("condition"), s.get("use"),
                    s.get("surveyor"), s.get("notes"), now,
                ))  # fmt: skip
            if len(records) >= 10000:
                write()
    write()
    clock = time.perf_counter()
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.close()
    writing += time.perf_counter() - clock
    return {"seconds": time.perf_counter() - started, "writes_s": writing}


# What each part of the registry takes on disk, tables with their indexes (sqlite_master's
# tbl_name groups an index with its table; FTS5 shadow tables share the search prefix).
PARTS = {
    "records, plaques, surveys": ("registry_record", "registry_plaque", "registry_survey"),
    "indicator state": ("registry_indicatorchange", "registry_indicatortotal"),
    "search data": ("registry_searchdoc", "registry_search_fts"),
    "change log": ("registry_changelog",),
}


def sizes(db: Path) -> dict[str, float]:
    """MB on disk of each part of PARTS, from SQLite's dbstat table."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT COALESCE(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d"
        " LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1"
    ).fetchall()
    conn.close()
    return {
        part: round(sum(size for name, size in rows if name.startswith(tables)) / 2**20)
        for part, tables in PARTS.items()
    }


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

    normalised = normalised_floor(source, out_dir, env)
    figures["normalised_floor_s"] = round(normalised["seconds"], 2)
    figures["normalised_writes_s"] = round(normalised["writes_s"], 2)
    print(
        f"normalised floor (records, plaques, surveys into the registry's tables, no "
        f"validation, no derived state): {normalised['seconds']:.1f} s, of which SQLite "
        f"{normalised['writes_s']:.1f} s = {normalised['writes_s'] / figures['floor_s']:.2f}x "
        "the floor",
        flush=True,
    )
    seconds, peak, output = manage("import_heritage", "-v", "2", str(source), env=env)
    figures["import_s"] = round(seconds, 2)
    figures["import_phases"] = output.rsplit("phases: ", 1)[-1]
    figures["import_peak_mb"] = round(peak)
    figures["import_vs_floor"] = round(seconds / figures["floor_s"], 2)
    print(f"import into an empty registry: {seconds:.1f} s ({output.strip()})", flush=True)

    if env["DATABASE_URL"].startswith("sqlite:///"):  # dbstat: sizes on PostgreSQL to come
        figures["import_mb"] = sizes(Path(env["DATABASE_URL"].removeprefix("sqlite:///")))
        print(f"on disk after the import, MB: {figures['import_mb']}", flush=True)

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
