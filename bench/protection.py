"""The protection check (docs/spec/protection.md) at national scale: the median time of
`protection_check` (the API's and the page's query, with the zones' GeoJSON as the page asks)
at points inside zones of the data (each record's own point: the demo draws its zones around
it) and at points anywhere in China. The goal is 20 ms. Assumes Django is set up on the bench
database."""

import datetime
import random
import statistics
import time

from django.db.models.functions import Mod

from registry.models import Record
from registry.zones.protection import protection_check

CHECKS = 200
DAY = datetime.date(2026, 12, 1)


def _times(points) -> list[float]:
    protection_check(lat=35, lon=105, as_of=DAY, geometry=True)  # warm-up
    times = []
    for lat, lon in points:
        started = time.perf_counter()
        protection_check(lat=lat, lon=lon, as_of=DAY, geometry=True)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def run(results: dict) -> None:
    zoned = Record.objects.filter(protection_zone__isnull=False, lat__isnull=False)
    total = zoned.count()
    step = max(total // CHECKS, 1)
    sample = zoned.alias(m=Mod("pk", step)).filter(m=0).order_by("pk")  # spread, never all read
    inside = list(sample.values_list("lat", "lon")[:CHECKS])
    rnd = random.Random(2260)
    anywhere = [(rnd.uniform(20, 50), rnd.uniform(75, 130)) for _ in range(CHECKS)]
    out = {"records_with_zones": total}
    for name, points in (("inside_zones", inside), ("anywhere", anywhere)):
        if points:
            times = _times(points)
            out[f"{name}_median_ms"] = round(statistics.median(times), 2)
            out[f"{name}_p95_ms"] = round(times[int(len(times) * 0.95)], 2)
    results["protection"] = out
    print(out, flush=True)
