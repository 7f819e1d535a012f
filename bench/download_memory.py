"""Peak memory and time of the catalog's downloads (registry/record_downloads.py) over every
record of a database, each format in a fresh subprocess.

    DATABASE_URL=sqlite:///bench/out/bench.sqlite3 \
        .venv/bin/python -m bench.download_memory [--traced] [csv] [xlsx] [geojson]

The child imports Django and answers one tiny download first (so that the figure is not the
imports'), reads its peak resident memory (resource.getrusage ru_maxrss), then answers the
download of every record (/search/<fmt>/ with no filter) and reads the peak again: the
difference is what the download itself added. The body is consumed and counted, never kept.
Not a test: it measures.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import resource, sys, time, tracemalloc
import django
django.setup()
from django.test import RequestFactory
from registry.views.catalog import download

def fetch(query):
    response = download(RequestFactory().get("/search/" + sys.argv[1] + "/" + query), sys.argv[1])
    size = 0
    chunks = response.streaming_content if response.streaming else [response.content]
    for chunk in chunks:
        size += len(chunk)
    response.close()
    return response.status_code, size

fetch("?q=" + "zz-no-such-name")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
traced = "--traced" in sys.argv
if traced:
    tracemalloc.start()
started = time.perf_counter()
status, size = fetch(sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "--traced" else "")
seconds = time.perf_counter() - started
python = tracemalloc.get_traced_memory()[1] / 2**20 if traced else float("nan")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{status}|{(after - before) / 1024:.0f}|{after / 1024:.0f}|{python:.1f}|{seconds:.1f}|"
      f"{size / 1e6:.1f}")
"""


def main() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "heritage.settings", "DJANGO_DEBUG": "0"}
    count = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from registry.models import "
         "Record; print(Record.objects.count())"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    print(f"{count} records; DATABASE_URL={env.get('DATABASE_URL', '(default)')}")
    traced = ["--traced"] if "--traced" in sys.argv else []
    print("format   status  added MB  peak MB  python MB  seconds  body MB")
    wanted = [a for a in sys.argv[1:] if a in ("csv", "xlsx", "geojson")]
    for fmt in wanted or ("csv", "xlsx", "geojson"):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, fmt, *traced], cwd=ROOT, env=env, capture_output=True,
            text=True, check=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        status, added, peak, python, seconds, size = out.split("|")
        print(f"{fmt:8} {status:>6}  {added:>8}  {peak:>7}  {python:>9}  {seconds:>7}  {size:>7}")


if __name__ == "__main__":
    main()
