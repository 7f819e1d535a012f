"""`make bench`: national scale (1,000,000 buildings by default) on SQLite, figures printed and
saved to bench/out/results.json. Not a test: it measures, it does not assert.

    make bench                          # 1,000,000 buildings
    make bench BENCH_ARGS="--buildings 100000"
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--buildings", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2260)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DJANGO_DEBUG": "0"}
    os.environ.update(env)
    results: dict = {"buildings": args.buildings, "started": time.strftime("%Y-%m-%d %H:%M")}

    from bench import exchange

    source = OUT / f"demo-{args.buildings}-{args.seed}.jsonl"
    print(f"== {args.buildings:,} buildings, SQLite at {db}", flush=True)
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
    for name in ("indicators", "catalog", "pages", "load"):
        try:
            module = __import__(f"bench.{name}", fromlist=["run"])
        except ModuleNotFoundError:
            continue
        print(f"== {name}", flush=True)
        module.run(results)

    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
