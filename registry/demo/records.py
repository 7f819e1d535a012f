"""One demo exchange record of each kind, drawn from a random.Random.

Written for speed (a million buildings in well under two minutes): every day is an index
into DAYS, a table of ISO strings made once, so no date is built or formatted per record;
choices are `int(random() * n)` rather than random.choice.
"""

import datetime
import random

from registry.choices import Kind, Level

from . import names
from .geography import Geography
from .names import pick

# exchange.md version 2's keys after `lon` (tests/test_demo_generator.py holds the order).
LIST_ENTRY_KEYS = (
    "era", "description", "description_en", "designation", "archive", "protection_zone",
    "control_zone",
)  # fmt: skip
_START = datetime.date(2000, 1, 1)
_END = datetime.date(2025, 12, 31)
DAYS: tuple[str, ...] = tuple(
    (_START + datetime.timedelta(days=n)).isoformat() for n in range((_END - _START).days + 1)
)
LAST = len(DAYS) - 1
FIRST_DESIGNATION = (datetime.date(2008, 1, 1) - _START).days
FIRST_SURVEY = (datetime.date(2010, 1, 1) - _START).days

# Cumulative probabilities, checked against one random() each.
_LEVELS_AREA = ((0.15, Level.NATIONAL.value), (0.70, Level.PROVINCIAL.value))
_LEVELS_DISTRICT = ((0.08, Level.NATIONAL.value), (0.50, Level.PROVINCIAL.value))
_LEVELS_BUILDING = ((0.02, Level.NATIONAL.value), (0.12, Level.PROVINCIAL.value))
_CONDITIONS = ((0.33, "good"), (0.73, "fair"), (0.91, "poor"), (0.96, "dangerous"))
_SURVEY_COUNTS = (0.05, 0.35, 0.65, 0.87)  # 0 surveys below the first, 1 below the next ...


def exchange_record(
    *,
    kind: str,
    code: str,
    name: str,
    name_en: str | None,
    level: str,
    region: str,
    parent: str | None = None,
    designated_on: str | None = None,
    revoked_on: str | None = None,
    address: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> dict:
    """Keys in the order of the exchange.md table, plaques/surveys only where the kind has them."""
    record = {
        "kind": kind,
        "code": code,
        "name": name,
        "name_en": name_en,
        "level": level,
        "region": region,
        "parent": parent,
        "designated_on": designated_on,
        "revoked_on": revoked_on,
        "address": address,
        "lat": lat,
        "lon": lon,
        # Version 2's list entry and zones: none in the demo yet, written as an export writes
        # them (null), so that a generated file exports back byte for byte.
        **dict.fromkeys(LIST_ENTRY_KEYS),
    }
    if kind in (Kind.DISTRICT, Kind.BUILDING):
        record["plaques"] = []
    if kind == Kind.BUILDING:
        record["surveys"] = []
    return record


def _cumulative(r, table, default):
    roll = r()
    for bound, value in table:
        if roll < bound:
            return value
    return default


class RecordDrawer:
    """Draws records; `parent_counties` of a parent is the tuple of county indexes inside it."""

    def __init__(self, rng: random.Random, geo: Geography):
        self.rng = rng
        self.r = rng.random
        self.geo = geo
        self.plaques_hung = 0

    # --- shared parts ----------------------------------------------------------------
    def designation(self) -> tuple[int | None, int | None]:
        """~3 % candidates, ~1 % revoked, the rest designated 2008-2025."""
        r = self.r
        roll = r()
        if roll < 0.03:
            return None, None
        if roll < 0.04:
            designated = FIRST_DESIGNATION + int(r() * (LAST - 400 - FIRST_DESIGNATION))
            return designated, designated + 180 + int(r() * (LAST - designated - 180))
        return FIRST_DESIGNATION + int(r() * (LAST - FIRST_DESIGNATION + 1)), None

    def county(self, within: tuple[int, ...]) -> int:
        """Mostly inside the parent's region; sometimes the next county over (same prefecture)."""
        county = pick(self.r, within)
        if self.r() < 0.08:
            county = pick(self.r, self.geo.by_prefix4[self.geo.codes[county][:4]])
        return county

    def point(self, county: int, missing: float, spread: float):
        r = self.r
        if r() < missing:
            return None, None
        geo = self.geo
        return (
            round(geo.lats[county] + (r() - 0.5) * spread, 6),
            round(geo.lons[county] + (r() - 0.5) * spread, 6),
        )

    def _plaque(self, region: str, installed: int, removed: int | None) -> dict:
        self.plaques_hung += 1
        number = (
            None if self.r() < 0.02 else f"{region}-{DAYS[installed][:4]}-{self.plaques_hung:07d}"
        )
        return {
            "number": number,
            "installed_on": DAYS[installed],
            "removed_on": None if removed is None else DAYS[removed],
        }

    # --- kinds -----------------------------------------------------------------------
    def area(self, kind: str, code: str, county: int) -> dict:
        """A city, town or village: no parent, no plaques."""
        r = self.r
        name, name_en = {Kind.CITY: names.city, Kind.TOWN: names.town}.get(kind, names.village)(r)
        level = (
            Level.PROVINCIAL.value
            if kind == Kind.CITY
            else _cumulative(r, _LEVELS_AREA, Level.MUNICIPAL.value)
        )
        designated, revoked = self.designation()
        lat, lon = self.point(county, 0.05, 0.12)
        region = self.geo.codes[county]
        return exchange_record(
            kind=kind,
            code=code,
            name=name,
            name_en=name_en,
            level=level,
            region=region,
            designated_on=None if designated is None else DAYS[designated],
            revoked_on=None if revoked is None else DAYS[revoked],
            address=self.geo.names[county] + name if r() < 0.5 else None,
            lat=lat,
            lon=lon,
        )

    def district(self, code: str, county: int, parent: str | None) -> dict:
        r = self.r
        name, name_en = names.district(r)
        designated, revoked = self.designation()
        lat, lon = self.point(county, 0.06, 0.04)
        region = self.geo.codes[county]
        record = exchange_record(
            kind=Kind.DISTRICT.value,
            code=code,
            name=name,
            name_en=name_en,
            level=_cumulative(r, _LEVELS_DISTRICT, Level.MUNICIPAL.value),
            region=region,
            parent=parent,
            designated_on=None if designated is None else DAYS[designated],
            revoked_on=None if revoked is None else DAYS[revoked],
            address=self.geo.names[county] + name[:-6] if r() < 0.4 else None,
            lat=lat,
            lon=lon,
        )
        if designated is not None:
            # One to three gates, each with its plaque, hung on different days.
            first = max(0, designated - 60)
            gates = self.rng.sample(range(first, min(LAST + 1, designated + 720)), 1 + int(r() * 3))
            record["plaques"] = [self._plaque(region, day, None) for day in sorted(gates)]
        return record

    def building(self, code: str, county: int, parent: str | None) -> dict:
        r = self.r
        name, name_en = names.building(r)
        designated, revoked = self.designation()
        lat, lon = self.point(county, 0.08, 0.02)
        region = self.geo.codes[county]
        address = None
        if r() < 0.88:
            street, _ = names.place(r)
            address = f"{self.geo.names[county]}{street}街{1 + int(r() * 200)}号"
        record = exchange_record(
            kind=Kind.BUILDING.value,
            code=code,
            name=name,
            name_en=name_en,
            level=_cumulative(r, _LEVELS_BUILDING, Level.MUNICIPAL.value),
            region=region,
            parent=parent,
            designated_on=None if designated is None else DAYS[designated],
            revoked_on=None if revoked is None else DAYS[revoked],
            address=address,
            lat=lat,
            lon=lon,
        )
        record["plaques"] = self._building_plaques(region, designated, revoked)
        record["surveys"] = self._surveys(designated)
        return record

    def _building_plaques(self, region: str, designated: int | None, revoked: int | None):
        r = self.r
        roll = r()
        if designated is None:
            # A plaque may go up before the designation day (exchange.md); a few do.
            if roll < 0.1:
                return [self._plaque(region, FIRST_DESIGNATION + int(r() * 5000), None)]
            return []
        if roll < 0.08:
            return []
        installed = min(LAST, max(0, designated - 30 + int(r() * 400)))
        if roll < 0.90 or installed > LAST - 300:
            removed = revoked if revoked is not None and revoked > installed else None
            return [self._plaque(region, installed, removed)]
        # Taken down (damaged, stolen, repainted) and a new plaque with a new number hung.
        removed = installed + 200 + int(r() * (LAST - installed - 200))
        rehung = min(LAST, removed + int(r() * 60))
        return [self._plaque(region, installed, removed), self._plaque(region, rehung, None)]

    def _surveys(self, designated: int | None) -> list[dict]:
        r = self.r
        roll = r()
        count = 0
        while count < len(_SURVEY_COUNTS) and roll >= _SURVEY_COUNTS[count]:
            count += 1
        if count == 0:
            return []
        first = FIRST_SURVEY if designated is None else max(FIRST_SURVEY, designated - 365)
        days = sorted(self.rng.sample(range(first, LAST + 1), count))
        surveys = []
        for position, day in enumerate(days):
            latest = position == count - 1
            vacant = r() < (0.10 if latest else 0.07)
            condition = _cumulative(r, _CONDITIONS, None)
            if vacant:
                use = "空置" if r() < 0.8 else None
            else:
                use = pick(r, names.USES_IN_USE) if r() < 0.95 else None
            surveys.append(
                {
                    "surveyed_on": DAYS[day],
                    "occupancy": "vacant" if vacant else "in_use",
                    "condition": condition,
                    "use": use,
                    "surveyor": names.person(r) if r() < 0.92 else None,
                    "notes": pick(r, names.NOTES) if r() < 0.12 else None,
                }
            )
        return surveys
