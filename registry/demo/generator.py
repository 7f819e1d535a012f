"""A whole demo exchange file: N buildings and about 3.5 % as many areas, plus the real
national cities.

Codes: "DEMO-" + a letter for the kind (C city, T town, V village, D district, B building)
+ a zero-padded sequence number, e.g. DEMO-B0000042; the real cities keep their "HC-" codes.

The areas (cities, towns, villages, districts; ~35,000 for a million buildings) are drawn
first and kept in memory; buildings are then streamed one line at a time. The area lines,
shuffled, are spread evenly through the building lines, so about half of all children come
before their parent, as the importer must allow. Same N and seed, same bytes.

Zones (zones.py): every generated district with a point has a protection and a control zone,
one building with a point in ten a protection zone; the real cities have none. They come from
a random stream of their own, so a file's other values are those of a file without zones.
"""

import json
import random
from collections import Counter
from collections.abc import Iterator
from typing import TextIO

from registry.choices import Kind

from .cities import national_cities, national_city_records
from .geography import geography
from .names import pick
from .records import RecordDrawer

AREA_SHARE = 0.035
# Of the areas: few cities, then towns and villages, mostly districts.
CITY_SHARE, TOWN_SHARE, VILLAGE_SHARE = 0.02, 0.14, 0.29

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _code(letter: str, number: int, width: int) -> str:
    return f"DEMO-{letter}{number:0{width}d}"


def demo_lines(*, buildings: int, seed: int, counts: Counter | None = None) -> Iterator[str]:
    """Yield the file's lines (each ending in "\\n"); tally kinds into `counts` if given."""
    counts = Counter() if counts is None else counts
    rng = random.Random(seed)
    r = rng.random
    geo = geography()
    # The zones draw from a stream of their own: with or without them, the rest is the same.
    draw = RecordDrawer(rng, geo, random.Random(f"{seed}/zones"))
    every_county = tuple(range(len(geo.codes)))

    areas = round(buildings * AREA_SHARE)
    n_city, n_town, n_village = (round(areas * s) for s in (CITY_SHARE, TOWN_SHARE, VILLAGE_SHARE))
    n_district = areas - n_city - n_town - n_village

    lines: list[str] = []
    # Parents for districts and buildings: (code, counties inside the parent's region).
    settlements: list[tuple[str, tuple[int, ...]]] = []
    for record, city in zip(national_city_records(), national_cities(), strict=True):
        lines.append(_encode(record) + "\n")
        settlements.append((record["code"], geo.counties_within(city["region"]) or every_county))
    real_cities = len(settlements)
    counts[Kind.CITY.value] += real_cities

    for kind, letter, number in (
        (Kind.CITY.value, "C", n_city),
        (Kind.TOWN.value, "T", n_town),
        (Kind.VILLAGE.value, "V", n_village),
    ):
        width = max(5, len(str(number)))
        for seq in range(1, number + 1):
            county = pick(r, every_county)
            record = draw.area(kind, _code(letter, seq, width), county)
            lines.append(_encode(record) + "\n")
            settlements.append((record["code"], (county,)))
        counts[kind] += number

    districts: list[tuple[str, tuple[int, ...]]] = []
    width = max(6, len(str(n_district)))
    for seq in range(1, n_district + 1):
        roll = r()
        if roll < 0.25:
            parent, county = None, pick(r, every_county)
        else:
            # A fifth of the parented districts lie in one of the real national cities.
            if roll < 0.40:
                parent, within = settlements[int(r() * real_cities)]
            else:
                parent, within = pick(r, settlements)
            county = draw.county(within)
        record = draw.district(_code("D", seq, width), county, parent)
        lines.append(_encode(record) + "\n")
        districts.append((record["code"], (county,)))
    counts[Kind.DISTRICT.value] += n_district

    rng.shuffle(lines)
    yield from _buildings_among(lines, draw, buildings, districts, settlements, every_county)
    counts[Kind.BUILDING.value] += buildings


def _buildings_among(areas, draw, buildings, districts, settlements, every_county):
    """Building lines, with the area lines spread evenly between them."""
    r = draw.r
    width = max(7, len(str(buildings)))
    next_area, total_areas = 0, len(areas)
    for seq in range(1, buildings + 1):
        roll = r()
        if roll < 0.62 and districts:
            parent, within = pick(r, districts)
            county = draw.county(within)
        elif roll < 0.80:
            parent, within = pick(r, settlements)
            county = draw.county(within)
        else:
            parent, county = None, pick(r, every_county)
        yield _encode(draw.building(_code("B", seq, width), county, parent)) + "\n"
        while next_area < total_areas and (next_area + 1) * buildings // (total_areas + 1) < seq:
            yield areas[next_area]
            next_area += 1
    yield from areas[next_area:]


def write_demo(out: TextIO, *, buildings: int, seed: int, chunk: int = 2000) -> Counter:
    """Write the file to `out` in chunks of lines; return how many records of each kind."""
    counts: Counter = Counter()
    batch: list[str] = []
    for line in demo_lines(buildings=buildings, seed=seed, counts=counts):
        batch.append(line)
        if len(batch) >= chunk:
            out.write("".join(batch))
            batch.clear()
    if batch:
        out.write("".join(batch))
    return counts
