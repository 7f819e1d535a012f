"""Where demo records lie: real county-level codes and coordinates for them.

A county's point is the seat of its government from fixtures/region_seats.json (cpca's
public table, see registry/demo/make_seats.py); the few counties the table lacks get a
fixed point scattered around an approximate centre of their province (hand-written table
below, good to a degree or so). Demo records scatter a little around their county's point:
plausible on a map of China, never a fact about a place.
"""

import json
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REGIONS_FIXTURE = Path(__file__).resolve().parent.parent.parent / "fixtures" / "regions.json"
SEATS_FIXTURE = REGIONS_FIXTURE.with_name("region_seats.json")


@cache
def seats() -> dict[str, tuple[float, float]]:
    """GB/T 2260 code -> (lat, lon) of the seat, for the regions the packaged table has."""
    document = json.loads(SEATS_FIXTURE.read_text(encoding="utf-8"))
    return {code: (lat, lon) for code, (lat, lon) in document["seats"].items()}


# Province (first two digits) -> approximate centre (lat, lon) and a spread in degrees.
PROVINCE_CENTRES: dict[str, tuple[float, float, float]] = {
    "11": (40.0, 116.4, 0.4),
    "12": (39.2, 117.3, 0.4),
    "13": (38.5, 115.5, 1.6),
    "14": (37.6, 112.3, 1.4),
    "15": (43.5, 114.0, 3.5),
    "21": (41.3, 122.6, 1.4),
    "22": (43.7, 126.2, 1.4),
    "23": (46.8, 127.7, 2.2),
    "31": (31.2, 121.4, 0.3),
    "32": (32.9, 119.5, 1.2),
    "33": (29.2, 120.2, 1.1),
    "34": (31.8, 117.2, 1.3),
    "35": (26.1, 118.3, 1.2),
    "36": (27.6, 115.7, 1.4),
    "37": (36.4, 118.3, 1.4),
    "41": (33.9, 113.6, 1.4),
    "42": (30.9, 112.3, 1.5),
    "43": (27.6, 111.7, 1.5),
    "44": (23.4, 113.5, 1.5),
    "45": (23.8, 108.8, 1.5),
    "46": (19.2, 109.8, 0.6),
    "50": (29.9, 107.8, 1.0),
    "51": (30.5, 103.0, 2.2),
    "52": (26.8, 106.9, 1.2),
    "53": (24.9, 101.5, 2.0),
    "54": (31.5, 88.5, 3.5),
    "61": (35.2, 108.9, 1.6),
    "62": (36.5, 103.8, 2.2),
    "63": (35.7, 96.0, 2.8),
    "64": (37.3, 106.2, 0.7),
    "65": (41.5, 85.5, 3.5),
}


@dataclass(frozen=True)
class Geography:
    codes: tuple[str, ...]  # county-level codes, in code order
    names: tuple[str, ...]
    # Names of the provinces ("14") and prefectures ("1407") by their leading digits.
    province_names: dict[str, str]
    prefecture_names: dict[str, str]
    lats: tuple[float, ...]
    lons: tuple[float, ...]
    # Indexes into `codes` of the counties in each province / prefecture-or-province
    # ("1407", "1101") / scope of any known region code.
    by_province: dict[str, tuple[int, ...]]
    by_prefix4: dict[str, tuple[int, ...]]

    def counties_within(self, region: str) -> tuple[int, ...]:
        """The counties inside a region code of any level (a county is inside itself)."""
        if region.endswith("0000"):
            return self.by_province.get(region[:2], ())
        if region.endswith("00"):
            return self.by_prefix4.get(region[:4], ()) or self.by_province.get(region[:2], ())
        return (self.codes.index(region),) if region in self.codes else ()


@cache
def geography() -> Geography:
    rows = json.loads(REGIONS_FIXTURE.read_text(encoding="utf-8"))
    counties = sorted(
        (r for r in rows if r["level"] == "county" and r["code"][:2] in PROVINCE_CENTRES),
        key=lambda r: r["code"],
    )
    # A fixed generator, not the caller's seed: a county stays put whatever the seed.
    place_rng = random.Random(2260)
    seat = seats()
    lats, lons = [], []
    by_province: dict[str, list[int]] = {}
    by_prefix4: dict[str, list[int]] = {}
    for index, row in enumerate(counties):
        lat, lon, spread = PROVINCE_CENTRES[row["code"][:2]]
        # Drawn for every county, so a county without a seat keeps its point whatever the
        # seat table holds.
        lat += place_rng.uniform(-spread, spread)
        lon += place_rng.uniform(-spread, spread) * 1.3
        lat, lon = seat.get(row["code"], (lat, lon))
        lats.append(lat)
        lons.append(lon)
        by_province.setdefault(row["code"][:2], []).append(index)
        by_prefix4.setdefault(row["code"][:4], []).append(index)
    return Geography(
        codes=tuple(r["code"] for r in counties),
        names=tuple(r["name"] for r in counties),
        province_names={r["code"][:2]: r["name"] for r in rows if r["level"] == "province"},
        prefecture_names={r["code"][:4]: r["name"] for r in rows if r["level"] == "prefecture"},
        lats=tuple(lats),
        lons=tuple(lons),
        by_province={k: tuple(v) for k, v in by_province.items()},
        by_prefix4={k: tuple(v) for k, v in by_prefix4.items()},
    )
