"""`make bench`: national scale (1,000,000 buildings by default) on SQLite, or on PostgreSQL
when DATABASE_URL names one (the bench then makes its own database beside it, see
bench/engines.py), figures printed and saved to bench/out/results.json. Not a test: it
measures, it does not assert.

    make bench                          # 1,000,000 buildings
    make bench BENCH_ARGS="--buildings 100000"
    make bench BENCH_ARGS="--buildings 20000 --only zones"    # the import, then one step
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/heritage make bench
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.engines import database_name, fresh_postgres, is_postgres, remove_sqlite

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
# The steps after the import, in order; zones before load (load writes surveys meanwhile).
STEPS = ("indicators", "catalog", "pages", "zones", "load")


def bench_database() -> tuple[str, str]:
    """(DATABASE_URL of the bench's own empty database, how to name it in the output)."""
    given = os.environ.get("DATABASE_URL")
    if is_postgres(given):
        url = fresh_postgres(given, database_name(given) + "_bench")
        return url, f"PostgreSQL database {database_name(url)}"
    db = OUT / "bench.sqlite3"
    remove_sqlite(db)
    return f"sqlite:///{db}", f"SQLite at {db}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--buildings", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2260)
    parser.add_argument("--only", help=f"comma-separated steps after the import: {STEPS}")
    args = parser.parse_args()
    steps = STEPS if not args.only else tuple(args.only.split(","))
    OUT.mkdir(parents=True, exist_ok=True)
    url, where = bench_database()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "0"}
    os.environ.update(env)
    results: dict = {"buildings": args.buildings, "started": time.strftime("%Y-%m-%d %H:%M")}

    from bench import exchange

    source = OUT / f"demo-{args.buildings}-{args.seed}.jsonl"
    print(f"== {args.buildings:,} buildings, {where}", flush=True)
    if not source.exists():
        started = time.perf_counter()
        exchange.manage("generate_demo", "--buildings", str(args.buildings),
                        "--seed", str(args.seed), "--output", str(source), env=env)  # fmt: skip
        print(f"generated {source.name} in {time.perf_counter() - started:.1f} s", flush=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    exchange.run(results, source=source, out_dir=OUT, env=env)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heritage.settings")
    django.setup()
    for name in steps:
        try:
            module = __import__(f"bench.{name}", fromlist=["run"])
        except ModuleNotFoundError:
            continue
        print(f"== {name}", flush=True)
        if name == "zones":  # it imports the same file again, with and without its zones
            module.run(results, source=source, out_dir=OUT)
        else:
            module.run(results)

    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
