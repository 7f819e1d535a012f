"""Pages the other steps do not time, at national scale: the admin lists surveyors and
reviewers open every day, and public searches whose matches sit unevenly (老街: districts only,
all coded after the buildings) or come with filters and facet counts.

In-process with Django's test Client (no HTTP, no gunicorn): medians of 5 after a warm-up,
with each request's query count. Assumes Django is set up on the bench database.

    python -m bench.pages --db bench/out/bench.sqlite3
"""

import argparse
import json
import os
import statistics
import time
import urllib.parse
from pathlib import Path

RUNS = 5
PUBLIC = [
    "/?q=老街",
    "/api/v1/records/?q=老街",
    "/?q=宗祠&kind=building",
    "/?q=宗祠&region=140000",
    "/?q=宗祠&status=revoked",
    "/api/v1/records/?q=宗祠&level=national",
    "/api/v1/records/?q=宗祠&status=revoked",
    "/reports/?by=province",
]
ADMIN = [
    "/admin/registry/record/",
    "/admin/registry/record/?q=宗祠",
    "/admin/registry/record/?kind__exact=district",
    "/admin/registry/survey/",
    "/admin/registry/survey/?state__exact=submitted",
    "/admin/registry/plaque/",
    "/admin/registry/changelog/",
]


# The districts of Shanxi: counted from the partial index of districts (Record.Meta.indexes).
SURVEYOR = [
    "/admin/registry/record/",
    "/admin/registry/record/?q=宗祠",
    "/admin/registry/record/?kind__exact=district",
]


def _time(client, url: str) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = urllib.parse.quote(url, safe="/?=&")
    client.get(path)  # warm-up
    times = []
    for _ in range(RUNS):
        cache.clear()  # the anonymous throttle counts in the cache
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return {"ms": round(statistics.median(times) * 1000, 1), "queries": len(queries)}


def run(results: dict) -> None:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from registry.models import RegionAssignment

    out: dict = {"public": {}, "admin": {}}
    client = Client()
    for url in PUBLIC:
        out["public"][url] = _time(client, url)
    user = User.objects.create_superuser("bench-pages", password=None)
    try:
        client.force_login(user)
        for url in ADMIN:
            out["admin"][url] = _time(client, url)
    finally:
        user.delete()
    # A surveyor of Shanxi (~4 % of the records): the list every surveyor opens, in scope.
    surveyor = User.objects.create_user("bench-surveyor", password=None, is_staff=True)
    try:
        surveyor.groups.add(Group.objects.get(name="surveyor"))
        RegionAssignment.objects.create(user=surveyor, region_id="140000")
        client.force_login(surveyor)
        out["surveyor"] = {url: _time(client, url) for url in SURVEYOR}
    finally:
        RegionAssignment.objects.filter(user=surveyor).delete()
        surveyor.delete()
    results["pages"] = out
    for group, timings in out.items():
        for url, figures in timings.items():
            print(f"  {group}: {url}  {figures['ms']} ms, {figures['queries']} queries", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--db", type=Path, required=True, help="a migrated, filled SQLite file")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"sqlite:///{args.db.resolve()}"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heritage.settings")
    import django

    django.setup()
    results: dict = {}
    run(results)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
