"""A small hand-built catalog for the search, API and page tests: every filter value occurs,
and each search mode has a known answer."""

import datetime

from registry.models import Plaque, Record, Survey

PAST = datetime.date(2010, 1, 1)
FUTURE = datetime.date(2099, 1, 1)


def make(code, kind, name, *, region="140728", level="municipal", parent=None, **fields):
    return Record.objects.create(
        code=code, kind=kind, name=name, level=level, region_id=region, parent=parent, **fields
    )


def build_catalog() -> dict[str, Record]:
    """Codes → records. Statuses are as of any day between 2021 and 2098."""
    r = {}
    r["HC-140728"] = make(
        "HC-140728", "city", "平遥", level="national", designated_on=datetime.date(1986, 12, 8),
        name_en="Pingyao", lat=37.2, lon=112.18,
    )  # fmt: skip
    r["JZ-D-0001"] = make(
        "JZ-D-0001", "district", "南大街历史文化街区", level="provincial",
        parent=r["HC-140728"], designated_on=PAST, lat=37.20, lon=112.17,
    )  # fmt: skip
    r["JZ-B-0001"] = make(
        "JZ-B-0001", "building", "张氏宗祠", parent=r["JZ-D-0001"], designated_on=PAST,
        lat=37.201, lon=112.171,
    )  # fmt: skip
    r["TY-B-0002"] = make(
        "TY-B-0002", "building", "李氏宗祠", region="140105", designated_on=PAST,
        revoked_on=datetime.date(2020, 6, 1), lat=37.87, lon=112.55,
    )  # fmt: skip
    r["CS-B-0003"] = make(
        "CS-B-0003", "building", "长沙天心阁", region="430102", level="provincial"
    )  # a candidate: no designation yet; no coordinates
    r["BJ-B-0798"] = make(
        "BJ-B-0798", "building", "798艺术区厂房", region="110105", designated_on=PAST,
        lat=39.98, lon=116.49,
    )  # fmt: skip
    r["GD-V-0001"] = make(
        "GD-V-0001", "village", "宗祠村", region="441900", designated_on=FUTURE
    )  # designated in the future: still a candidate today
    # Plaques: hanging today, removed in the past, hung only in the future.
    Plaque.objects.create(record=r["JZ-B-0001"], number="晋-1", installed_on=PAST)
    Plaque.objects.create(
        record=r["JZ-D-0001"], installed_on=PAST, removed_on=datetime.date(2015, 1, 1)
    )
    Plaque.objects.create(record=r["BJ-B-0798"], installed_on=FUTURE)
    # Surveys: vacant at the latest; in use; only a draft and a future one (unknown today).
    survey(r["JZ-B-0001"], "2012-01-01", "in_use")
    survey(r["JZ-B-0001"], "2019-05-01", "vacant", condition="poor", surveyor="王工", notes="内部")
    survey(r["JZ-B-0001"], "2024-01-01", "in_use", state="draft")
    survey(r["TY-B-0002"], "2015-01-01", "in_use", condition="good")
    survey(r["BJ-B-0798"], "2018-01-01", "vacant", state="rejected")
    survey(r["BJ-B-0798"], "2099-06-01", "in_use")
    return r


def survey(rec, day, occupancy, *, state="approved", condition=None, surveyor=None, notes=None):
    return Survey.objects.create(
        building=rec,
        surveyed_on=datetime.date.fromisoformat(day),
        occupancy=occupancy,
        condition=condition,
        state=state,
        surveyor=surveyor,
        notes=notes,
        use="宗祠" if occupancy == "in_use" else None,
    )
