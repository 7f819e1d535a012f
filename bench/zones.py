"""Zones at national scale (docs/spec/protection.md), on the bench database whatever its engine
(SpatiaLite or PostGIS):

- protection check: `GET /api/v1/protection/?lat=&lon=` at 1,000 points, half on the surface
  of a random zone that protects today (each must come back naming its record), half anywhere
  in China's extent; median and p95. Goal: median <= 20 ms.
- area filter: `GET /api/v1/records/?bbox=...` for a county-sized box (0.5 x 0.5 degrees)
  around the county with the most records, with its count; median of 5. Goal: <= 50 ms.
- import: the bench's file into an empty registry with its zones and with them nulled (both
  files written, same records otherwise), twice each, alternating; the fastest of each.
  Goal: with <= 1.3 x without.

The endpoints are asked by URL through Django's test Client, in-process like bench/pages.py,
so this module knows nothing of their code. One that answers 404, or a bbox the catalog does
not refuse when it is upside down (so it ignores it), is reported "endpoint missing" and
skipped. Assumes Django is set up on a database that holds the registry.

    python -m bench.zones --db bench/out/bench.sqlite3    # or DATABASE_URL=postgres://...
"""

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import time
from pathlib import Path

from bench.engines import database_name, drop_postgres, fresh_postgres, is_postgres, remove_sqlite

POINTS = 1000
RUNS = 5
SEED = 2260
BOX_DEGREES = 0.5
# China's extent (lon, lat): the random half of the points fall anywhere in it.
CHINA = ((73.5, 18.2), (134.8, 53.6))
GOAL_PROTECTION_MS, GOAL_BBOX_MS, GOAL_IMPORT_RATIO = 20, 50, 1.3
IMPORT_ROUNDS = 2
ZONES = ("protection_zone", "control_zone")
MISSING = "endpoint missing"


def _get(client, path: str):
    from django.core.cache import cache

    cache.clear()  # the anonymous throttle counts in the cache; one client asks everything
    started = time.perf_counter()
    response = client.get(path, HTTP_ACCEPT="application/json")
    return time.perf_counter() - started, response


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# -- the points ---------------------------------------------------------------------------


def inside_points(n: int, rng: random.Random, today) -> list[tuple[float, float, str, str]]:
    """(lat, lon, code, zone) for n points on the surface of random zones of records that
    protect today (protection.md: designated and standing, or a candidate)."""
    from django.contrib.gis.db.models.functions import PointOnSurface
    from django.db.models import Q

    from registry.models import Record

    protecting = Record.objects.filter(revoked_on__isnull=True).filter(
        Q(designated_on__isnull=True) | Q(designated_on__lte=today)
    )
    ids = {
        key: list(protecting.filter(**{f"{key}__isnull": False}).values_list("pk", flat=True))
        for key in ZONES
    }
    pool = [(key, pk) for key in ZONES for pk in ids[key]]
    if not pool:
        return []
    chosen = [rng.choice(pool) for _ in range(n)]
    points = []
    for key in ZONES:
        pks = [pk for k, pk in chosen if k == key]
        located = (
            Record.objects.filter(pk__in=set(pks))
            .annotate(inside=PointOnSurface(key))
            .values_list("pk", "code", "inside")
        )
        rows = {pk: (code, point) for pk, code, point in located}
        for pk in pks:
            code, point = rows[pk]
            points.append((point.y, point.x, code, key.removesuffix("_zone")))
    return points


def anywhere_points(n: int, rng: random.Random) -> list[tuple[float, float, None, None]]:
    (west, south), (east, north) = CHINA
    return [
        (round(rng.uniform(south, north), 6), round(rng.uniform(west, east), 6), None, None)
        for _ in range(n)
    ]


# -- the measures -------------------------------------------------------------------------


def protection_check(client, points: list[tuple]) -> dict:
    """Time each point; count the inside points answered with their record and zone."""
    path = "/api/v1/protection/?lat={}&lon={}"
    _, response = _get(client, path.format(*points[0][:2]) if points else path.format(37, 112))
    if response.status_code == 404:
        return {"skipped": MISSING}
    for lat, lon, *_ in points[:20]:  # warm-up, not counted
        _get(client, path.format(lat, lon))
    times, found, inside, errors, hits = [], 0, 0, [], 0
    for lat, lon, code, zone in points:
        seconds, response = _get(client, path.format(lat, lon))
        times.append(seconds)
        if response.status_code != 200:
            errors.append(f"{response.status_code} {path.format(lat, lon)}")
            continue
        results = response.json()["results"]
        hits += bool(results)
        if code is not None:
            inside += 1
            found += any(r["code"] == code and r["zone"] == zone for r in results)
    return {
        "points": len(points),
        "median_ms": _ms(statistics.median(times)),
        "p95_ms": _ms(_pct(times, 0.95)),
        "max_ms": _ms(max(times)),
        "inside_points": inside,
        "inside_found": found,
        "points_with_results": hits,
        "errors": len(errors),
        "error_samples": errors[:5],
        "goal_median_ms": GOAL_PROTECTION_MS,
    }


def dense_box() -> tuple[str, tuple[float, float, float, float]]:
    """The county with the most records and a BOX_DEGREES box around their mean point."""
    from django.db.models import Avg, Count

    from registry.models import Record

    located = Record.objects.filter(lat__isnull=False)
    top = located.values("region_id").annotate(n=Count("id")).order_by("-n", "region_id")[:1]
    region = top[0]["region_id"]
    centre = located.filter(region_id=region).aggregate(lat=Avg("lat"), lon=Avg("lon"))
    half = BOX_DEGREES / 2
    lat, lon = centre["lat"], centre["lon"]
    return region, tuple(round(v, 4) for v in (lon - half, lat - half, lon + half, lat + half))


def area_filter(client, box: tuple[float, float, float, float]) -> dict:
    minlon, minlat, maxlon, maxlat = box
    upside_down = f"/api/v1/records/?bbox={maxlon},{maxlat},{minlon},{minlat}"
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)  # the 400 asked for is not news
    try:
        _, refused = _get(client, upside_down)
    finally:
        request_log.setLevel(level)
    if refused.status_code != 400:  # 404, or 200 from a catalog that ignores bbox
        return {"skipped": f"{MISSING} (bbox upside down answered {refused.status_code})"}
    bbox = ",".join(str(v) for v in box)
    out = {"bbox": bbox, "goal_ms": GOAL_BBOX_MS}
    for label, query in (("box", ""), ("box & kind=district", "&kind=district")):
        path = f"/api/v1/records/?bbox={bbox}{query}"
        _get(client, path)  # warm-up
        times, count = [], None
        for _ in range(RUNS):
            seconds, response = _get(client, path)
            times.append(seconds)
            count = response.json()["count"] if response.status_code == 200 else None
        out[label] = {"ms": _ms(statistics.median(times)), "count": count}
    return out


# -- the import with and without zones ------------------------------------------------------


def write_without_zones(source: Path, target: Path) -> int:
    """The same file with every zone nulled (the generator's encoding); lines that had one."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    zoned = 0
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        for line in lines:
            record = json.loads(line)
            if any(record.get(key) is not None for key in ZONES):
                zoned += 1
                record.update(dict.fromkeys(ZONES))
            out.write(encode(record) + "\n")
    return zoned


class EmptyRegistries:
    """Migrated empty registries on the bench's engine, each a copy of one migrated once: a
    SQLite file copied, or a PostgreSQL database made from a template."""

    def __init__(self, url: str, out_dir: Path, env: dict):
        from bench import exchange

        self.url = url
        if is_postgres(url):
            self.template = database_name(url) + "_zones_empty"
            template_url = fresh_postgres(url, self.template)
        else:
            self.template = out_dir / "zones-empty.sqlite3"
            remove_sqlite(self.template)
            template_url = f"sqlite:///{self.template}"
        self.template_url = template_url
        exchange.manage("migrate", "-v0", env={**env, "DATABASE_URL": template_url})

    def fresh(self) -> str:
        """A new empty registry (replacing the last): its URL."""
        if is_postgres(self.url):
            return fresh_postgres(self.url, f"{self.template}_import", template=self.template)
        target = self.template.with_name("zones-import.sqlite3")
        remove_sqlite(target)
        shutil.copyfile(self.template, target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        if is_postgres(url):
            drop_postgres(url)
        else:
            remove_sqlite(Path(url.removeprefix("sqlite:///")))

    def close(self) -> None:
        self.drop(self.template_url)


def import_with_and_without(source: Path, out_dir: Path, env: dict) -> dict:
    """Each file imported IMPORT_ROUNDS times, in the order without, with, with, without...
    (a machine busy with something else slows both alike); the fastest of each counts."""
    from bench import exchange

    bare = out_dir / f"{source.stem}-zones-nulled.jsonl"
    zoned = write_without_zones(source, bare)
    registries = EmptyRegistries(env["DATABASE_URL"], out_dir, env)
    files = (("without_zones", bare), ("with_zones", source))
    times: dict[str, list[float]] = {label: [] for label, _ in files}
    out = {"records_with_zones": zoned, "goal_ratio": GOAL_IMPORT_RATIO}
    try:
        for round_ in range(IMPORT_ROUNDS):
            for label, path in files if round_ % 2 == 0 else files[::-1]:
                url = registries.fresh()
                try:
                    seconds, peak, _ = exchange.manage(
                        "import_heritage", str(path), env={**env, "DATABASE_URL": url}
                    )
                finally:
                    registries.drop(url)
                times[label].append(round(seconds, 2))
                out[f"{label}_peak_mb"] = max(out.get(f"{label}_peak_mb", 0), round(peak))
    finally:
        registries.close()
        bare.unlink(missing_ok=True)
    for label, seconds in times.items():
        out[f"{label}_s"], out[f"{label}_runs_s"] = min(seconds), seconds
    out["ratio"] = round(out["with_zones_s"] / out["without_zones_s"], 3)
    return out


# -- the step -----------------------------------------------------------------------------


def measure(*, source: Path | None, out_dir: Path | None, env: dict | None) -> dict:
    from django.test import Client
    from django.utils import timezone

    rng = random.Random(SEED)
    client = Client()
    inside = inside_points(POINTS // 2, rng, timezone.localdate())
    points = inside + anywhere_points(POINTS - len(inside), rng)
    rng.shuffle(points)
    out: dict = {"protection": protection_check(client, points)}
    region, box = dense_box()
    out["bbox"] = {"county": region, **area_filter(client, box)}
    if source is not None:
        out["import"] = import_with_and_without(source, out_dir, env)
    return out


def report(out: dict) -> list[str]:
    """The lines `make bench` prints, each figure beside its goal."""
    lines = []
    p = out["protection"]
    if "skipped" in p:
        lines.append(f"protection check: {p['skipped']} (/api/v1/protection/)")
    else:
        lines.append(
            f"protection check: median {p['median_ms']} ms, p95 {p['p95_ms']} ms over "
            f"{p['points']} points (goal: median <= {p['goal_median_ms']} ms); "
            f"{p['inside_found']}/{p['inside_points']} points inside a zone answered with it, "
            f"{p['errors']} errors"
        )
    b = out["bbox"]
    if "skipped" in b:
        lines.append(f"area filter: {b['skipped']} (/api/v1/records/?bbox=)")
    else:
        for label in ("box", "box & kind=district"):
            lines.append(
                f"area filter {label} {b['bbox']} (around county {b['county']}): "
                f"{b[label]['ms']} ms, count {b[label]['count']} (goal <= {b['goal_ms']} ms)"
            )
    if "import" in out:
        i = out["import"]
        lines.append(
            f"import with zones {i['with_zones_s']} s vs zones nulled {i['without_zones_s']} s "
            f"= {i['ratio']}x (fastest of {len(i['with_zones_runs_s'])} each; "
            f"{i['records_with_zones']} records with zones; goal <= {i['goal_ratio']}x)"
        )
    return lines


def run(results: dict, *, source: Path | None = None, out_dir: Path | None = None) -> None:
    env = {**os.environ}
    out = measure(source=source, out_dir=out_dir, env=env)
    results["zones"] = out
    for line in report(out):
        print(f"  {line}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.zones")
    parser.add_argument("--db", type=Path, help="a migrated, filled SQLite file (or DATABASE_URL)")
    parser.add_argument("--source", type=Path, help="also time importing this file with and "
                        "without its zones")  # fmt: skip
    args = parser.parse_args()
    if args.db:
        os.environ["DATABASE_URL"] = f"sqlite:///{args.db.resolve()}"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heritage.settings")
    import django

    django.setup()
    results: dict = {}
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(exist_ok=True)
    run(results, source=args.source, out_dir=out_dir)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
