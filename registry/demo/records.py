"""One demo exchange record of each kind, drawn from a random.Random.

Written for speed (a million buildings in well under two minutes): every day is an index
into DAYS, a table of ISO strings made once, so no date is built or formatted per record;
choices are `int(random() * n)` rather than random.choice.
"""

import datetime
import random

from registry.choices import Kind, Level

from . import content, names
from .geography import Geography
from .names import DEMO, pick
from .zones import ZoneDrawer

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
    era: str | None = None,
    description: str | None = None,
    description_en: str | None = None,
    designation: dict | None = None,
    archive: dict | None = None,
    protection_zone: dict | None = None,
    control_zone: dict | None = None,
) -> dict:
    """Keys in the order of the exchange.md (version 2) table, every one written as the
    exporter writes it, plaques/surveys only where the kind has them."""
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
        "era": era,
        "description": description,
        "description_en": description_en,
        "designation": designation,
        "archive": archive,
        "protection_zone": protection_zone,
        "control_zone": control_zone,
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

    def __init__(self, rng: random.Random, geo: Geography, zone_rng: random.Random):
        self.rng = rng
        self.r = rng.random
        self.geo = geo
        self.plaques_hung = 0
        self.zones = ZoneDrawer(zone_rng.random)

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

    def _content(self, kind, name, name_en, county, level, designated, era) -> dict:
        """era, description (most records), description_en (fewer), designation."""
        r = self.r
        description = description_en = None
        if r() < 0.85:
            describe = content.describe_building if kind == Kind.BUILDING else content.describe_area
            place = self.geo.names[county]
            description, english = describe(r, name, name_en.removesuffix(DEMO), place, era)
            description_en = english if r() < 0.7 else None
        return {
            "era": None if era is None else era[0],
            "description": description,
            "description_en": description_en,
            "designation": None
            if designated is None
            else content.designation(
                r, int(DAYS[designated][:4]), self._authority(kind, level, county)
            ),
        }

    def _authority(self, kind, level: str, county: int) -> str:
        """Who designates a record of this kind and level."""
        code = self.geo.codes[county]
        if level == Level.NATIONAL:
            return "国务院" if kind == Kind.CITY else "住房和城乡建设部、国家文物局"
        if level == Level.PROVINCIAL:
            return self.geo.province_names[code[:2]] + "人民政府"
        above = self.geo.prefecture_names.get(code[:4]) or self.geo.province_names[code[:2]]
        return above + "人民政府"

    def _archive(self, share: float, designated: int | None, revoked: int | None):
        """测绘建档 for a share of the designated, standing records, completed a month or more
        after the designation day (indicators.md counts it from `completed_on`)."""
        r = self.r
        if designated is None or revoked is not None or designated > LAST - 30 or r() >= share:
            return None
        completed = designated + 30 + int(r() * (LAST - designated - 29))
        return {"level": content.archive_level(r), "completed_on": DAYS[completed]}

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
        formed = content.era(r, building=False) if r() < 0.85 else None
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
            **self._content(kind, name, name_en, county, level, designated, formed),
        )

    def district(self, code: str, county: int, parent: str | None) -> dict:
        r = self.r
        name, name_en = names.district(r)
        designated, revoked = self.designation()
        lat, lon = self.point(county, 0.06, 0.04)
        region = self.geo.codes[county]
        level = _cumulative(r, _LEVELS_DISTRICT, Level.MUNICIPAL.value)
        formed = content.era(r, building=False) if r() < 0.8 else None
        protection, control = (None, None) if lat is None else self.zones.district(lat, lon)
        record = exchange_record(
            kind=Kind.DISTRICT.value,
            code=code,
            name=name,
            name_en=name_en,
            level=level,
            region=region,
            parent=parent,
            designated_on=None if designated is None else DAYS[designated],
            revoked_on=None if revoked is None else DAYS[revoked],
            address=self.geo.names[county] + name[:-6] if r() < 0.4 else None,
            lat=lat,
            lon=lon,
            **self._content(Kind.DISTRICT, name, name_en, county, level, designated, formed),
            archive=self._archive(0.55, designated, revoked),
            protection_zone=protection,
            control_zone=control,
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
        level = _cumulative(r, _LEVELS_BUILDING, Level.MUNICIPAL.value)
        built = content.era(r, building=True) if r() < 0.9 else None
        record = exchange_record(
            kind=Kind.BUILDING.value,
            code=code,
            name=name,
            name_en=name_en,
            level=level,
            region=region,
            parent=parent,
            designated_on=None if designated is None else DAYS[designated],
            revoked_on=None if revoked is None else DAYS[revoked],
            address=address,
            lat=lat,
            lon=lon,
            **self._content(Kind.BUILDING, name, name_en, county, level, designated, built),
            archive=self._archive(0.40, designated, revoked),
            protection_zone=self.zones.building(lat, lon),
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
