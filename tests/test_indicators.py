"""The figures of indicators.md, rule by rule, on small hand-built registries."""

import datetime
import random

import pytest
from django.utils import timezone

from registry.models import Plaque, Record, Survey
from registry.selectors.indicators import indicator_report, indicator_trend
from registry.services.indicator_state import refresh
from tests.indicator_builders import day, plaque, record, survey
from tests.indicator_reference import expected_report

pytestmark = pytest.mark.django_db


def total(as_of: str, **kwargs) -> dict:
    return indicator_report(as_of=day(as_of), **kwargs)["total"]


def test_only_designated_records_count_revoked_on_its_day_and_candidates_never():
    record(designated="2010-01-01", revoked="2015-06-01")
    record(designated=None)  # a candidate on the preliminary list
    record(designated="2030-01-01")  # designated later than D: a candidate on D
    assert total("2009-12-31")["buildings"] == 0
    assert total("2010-01-01")["buildings"] == 1
    assert total("2015-05-31")["buildings"] == 1
    assert total("2015-06-01")["buildings"] == 0  # revoked_on > D fails on the day itself
    assert total("2029-12-31")["buildings"] == 0
    assert total("2030-01-01")["buildings"] == 1


def test_cities_towns_and_villages_are_not_counted_even_with_plaques():
    for kind in ("city", "town", "village"):
        rec = record(kind, designated="2000-01-01")
        plaque(rec, "2001-01-01")
    figures = total("2020-01-01")
    assert figures["districts"] == figures["buildings"] == 0
    assert figures["plaque_coverage"] is None


def test_plaque_removed_and_rehung():
    rec = record(designated="2010-01-01")
    plaque(rec, "2011-01-01", removed="2012-01-01")
    plaque(rec, "2013-01-01")
    seen = {d: total(d)["buildings_plaqued"] for d in [
        "2010-12-31", "2011-01-01", "2011-12-31", "2012-01-01", "2012-12-31", "2013-01-01",
    ]}  # fmt: skip
    assert seen == {
        "2010-12-31": 0,
        "2011-01-01": 1,
        "2011-12-31": 1,
        "2012-01-01": 0,
        "2012-12-31": 0,
        "2013-01-01": 1,
    }


def test_plaque_hung_before_designation_counts_from_the_designation_day():
    rec = record("district", designated="2010-06-01")
    plaque(rec, "2009-01-01")
    assert total("2010-05-31")["districts_plaqued"] == 0
    figures = total("2010-06-01")
    assert (figures["districts"], figures["districts_plaqued"]) == (1, 1)
    assert figures["plaque_coverage"] == 1
    assert figures["plaque_target_met"] is True


def test_several_plaques_at_once_count_the_record_once():
    rec = record("district", designated="2010-01-01")
    plaque(rec, "2010-01-01")
    plaque(rec, "2010-02-01", removed="2012-01-01")
    plaque(rec, "2010-03-01")
    assert total("2011-01-01")["districts_plaqued"] == 1
    assert total("2013-01-01")["districts_plaqued"] == 1  # the others still hang


def test_latest_approved_survey_on_or_before_d_wins():
    rec = record(designated="2010-01-01")
    survey(rec, "2011-01-01", "vacant")
    survey(rec, "2012-01-01", "in_use")
    survey(rec, "2013-01-01", "vacant")
    assert total("2010-12-31")["buildings_occupancy_unknown"] == 1
    assert total("2011-01-01")["buildings_vacant"] == 1
    assert total("2012-06-01")["buildings_vacant"] == 0  # the survey of 2013 is after D
    assert total("2013-01-01")["buildings_vacant"] == 1


def test_rejected_draft_and_submitted_surveys_are_ignored():
    rec = record(designated="2010-01-01")
    survey(rec, "2011-01-01", "in_use")
    survey(rec, "2012-01-01", "vacant", state="rejected")
    survey(rec, "2012-02-01", "vacant", state="draft")
    survey(rec, "2012-03-01", "vacant", state="submitted")
    only_drafts = record(designated="2010-01-01")
    survey(only_drafts, "2011-01-01", "vacant", state="draft")
    figures = total("2013-01-01")
    assert figures["buildings_vacant"] == 0
    assert figures["buildings_occupancy_unknown"] == 1


def test_unknown_occupancy_stays_in_the_denominator_and_the_target_is_strict():
    buildings = [record(designated="2010-01-01") for _ in range(10)]
    survey(buildings[0], "2011-01-01", "vacant")
    for rec in buildings[1:5]:
        survey(rec, "2011-01-01", "in_use")
    figures = total("2012-01-01")
    assert figures["buildings"] == 10
    assert figures["buildings_occupancy_unknown"] == 5
    assert figures["vacancy_rate"] == 0.1
    assert figures["vacancy_target_met"] is False  # below 10 %, not at it


def test_archived_counts_from_its_day_only_while_designated():
    record("district", designated="2010-06-01", archived="2009-01-01")  # before designation
    record(designated="2010-01-01", archived="2012-01-01")  # archived after D, for early D
    record(designated="2010-01-01", revoked="2013-01-01", archived="2011-01-01")  # later revoked
    record(designated=None, archived="2011-01-01")  # a candidate: never counted
    record(designated="2030-01-01", archived="2011-01-01")  # designated only after D
    record(designated="2010-01-01", revoked="2011-01-01", archived="2012-01-01")  # too late
    seen = {
        d: (f["districts_archived"], f["buildings_archived"], f["archive_coverage"])
        for d in ("2009-12-31", "2010-01-01", "2010-06-01", "2011-01-01", "2012-01-01",
                  "2013-01-01")
        for f in [total(d)]
    }  # fmt: skip
    assert seen == {
        "2009-12-31": (0, 0, None),
        "2010-01-01": (0, 0, 0),  # three buildings, none archived yet
        "2010-06-01": (1, 0, 1 / 4),
        "2011-01-01": (1, 1, 2 / 3),  # one building revoked; one archived
        "2012-01-01": (1, 2, 3 / 3),
        "2013-01-01": (1, 1, 2 / 2),  # the revoked one leaves numerator and denominator
    }
    for d in seen:
        assert indicator_report(as_of=day(d), by="level") == expected_report(day(d), "level")


def test_archive_coverage_has_no_target_flag_and_is_null_without_districts_or_buildings():
    record("city", designated="2000-01-01")
    figures = total("2020-01-01")
    assert figures["archive_coverage"] is None
    assert not any(k.startswith("archive") and k.endswith("target_met") for k in figures)


def test_the_example_of_the_spec():
    """12 districts (11 plaqued, 9 archived), 800 buildings (790 plaqued, 70 vacant, 20 never
    surveyed, 402 archived); one more district archived only after D."""
    on = day("2020-01-01")

    def archive(done):
        return {"archive_level": "typical", "archive_completed_on": done} if done else {}

    recs = [
        Record(code=f"D{i}", kind="district", name="街区", level="national", region_id="140728",
               designated_on=on,
               **archive(on if i < 9 else day("2025-01-01") if i == 9 else None))
        for i in range(12)
    ] + [
        Record(code=f"B{i}", kind="building", name="建筑", level="national", region_id="140728",
               designated_on=on, **archive(day("2019-05-01") if i < 402 else None))
        for i in range(800)
    ]  # fmt: skip
    Record.objects.bulk_create(recs)
    recs = list(Record.objects.order_by("code"))  # B0..B799 then D0..D11
    buildings, districts = recs[:800], recs[800:]
    Plaque.objects.bulk_create(
        [Plaque(record=r, installed_on=on) for r in districts[:11] + buildings[:790]]
    )
    Survey.objects.bulk_create(
        [
            Survey(building=r, surveyed_on=on, state="approved",
                   occupancy="vacant" if i < 70 else "in_use")
            for i, r in enumerate(buildings[:780])
        ]
    )  # fmt: skip
    refresh()  # bulk writes send no signals
    report = indicator_report(as_of=day("2024-12-31"), by="province")
    assert report["rows"] == [
        {
            "key": "140000",
            "label": "山西省",
            "districts": 12,
            "districts_plaqued": 11,
            "buildings": 800,
            "buildings_plaqued": 790,
            "buildings_vacant": 70,
            "buildings_occupancy_unknown": 20,
            "districts_archived": 9,
            "buildings_archived": 402,
            "plaque_coverage": 801 / 812,
            "plaque_target_met": False,
            "vacancy_rate": 70 / 800,
            "vacancy_target_met": True,
            "archive_coverage": 411 / 812,
        }
    ]
    # The keys in the order of the spec's example, and its rounded figures.
    assert list(report["rows"][0]) == [
        "key", "label", "districts", "districts_plaqued", "buildings", "buildings_plaqued",
        "buildings_vacant", "buildings_occupancy_unknown", "districts_archived",
        "buildings_archived", "plaque_coverage", "plaque_target_met", "vacancy_rate",
        "vacancy_target_met", "archive_coverage",
    ]  # fmt: skip
    assert round(report["rows"][0]["archive_coverage"], 5) == 0.50616
    assert round(report["rows"][0]["plaque_coverage"], 5) == 0.98645
    assert report["total"] == {
        k: v for k, v in report["rows"][0].items() if k not in ("key", "label")
    }
    assert list(report) == ["as_of", "by", "region", "level", "rows", "total"]


def test_empty_scope_has_null_rates():
    record(designated="2010-01-01", region="140728")
    report = indicator_report(as_of=day("2020-01-01"), by="county", region="110000")
    assert report["rows"] == []
    assert report["total"]["buildings"] == 0
    for name in (
        "plaque_coverage",
        "plaque_target_met",
        "vacancy_rate",
        "vacancy_target_met",
        "archive_coverage",
    ):
        assert report["total"][name] is None


def test_districts_only_scope_has_coverage_but_no_vacancy_rate():
    rec = record("district", designated="2010-01-01")
    plaque(rec, "2010-01-01")
    figures = total("2020-01-01")
    assert figures["plaque_coverage"] == 1
    assert figures["vacancy_rate"] is None
    assert figures["vacancy_target_met"] is None


def test_region_without_counties_441900():
    record(designated="2010-01-01", region="441900")
    by = {
        g: [(r["key"], r["label"]) for r in indicator_report(as_of=day("2020-01-01"), by=g)["rows"]]
        for g in ("province", "prefecture", "county")
    }
    assert by == {
        "province": [("440000", "广东省")],
        "prefecture": [("441900", "东莞市")],
        "county": [("441900", "东莞市")],
    }
    scoped = indicator_report(as_of=day("2020-01-01"), by="county", region="441900")
    assert scoped["total"]["buildings"] == 1


def test_province_level_municipality_110000():
    record(designated="2010-01-01", region="110101")
    record(designated="2010-01-01", region="110102")
    report = indicator_report(as_of=day("2020-01-01"), by="prefecture", region="110000")
    # No row 110100 in the region table: the key follows GB/T 2260, the label is the province's.
    assert [(r["key"], r["label"], r["buildings"]) for r in report["rows"]] == [
        ("110100", "北京市", 2)
    ]
    report = indicator_report(as_of=day("2020-01-01"), by="county", region="110100")
    assert [(r["key"], r["label"]) for r in report["rows"]] == [
        ("110101", "东城区"),
        ("110102", "西城区"),
    ]


def test_region_filter_is_a_code_prefix():
    record(designated="2010-01-01", region="140728")  # Pingyao, Jinzhong
    record(designated="2010-01-01", region="140105")  # Taiyuan
    record(designated="2010-01-01", region="110101")
    assert total("2020-01-01", region="140000")["buildings"] == 2
    assert total("2020-01-01", region="140700")["buildings"] == 1
    assert total("2020-01-01", region="140728")["buildings"] == 1
    assert total("2020-01-01")["buildings"] == 3


def test_by_level_rows_in_code_point_order_and_level_filter():
    for level in ("provincial", "national", "municipal", "municipal"):
        record(designated="2010-01-01", level=level)
    report = indicator_report(as_of=day("2020-01-01"), by="level")
    assert [(r["key"], r["label"], r["buildings"]) for r in report["rows"]] == [
        ("municipal", "市县级", 2),
        ("national", "国家级", 1),
        ("provincial", "省级", 1),
    ]
    assert total("2020-01-01", level="municipal")["buildings"] == 2


def test_groups_with_nothing_designated_are_left_out():
    record(designated="2010-01-01", region="140728")
    record(designated="2010-01-01", revoked="2011-01-01", region="110101")
    rows = indicator_report(as_of=day("2020-01-01"), by="province")["rows"]
    assert [r["key"] for r in rows] == ["140000"]


def test_future_dated_changes_take_effect_on_their_day_without_any_refresh():
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    rec = record(designated="2010-01-01")
    Plaque.objects.create(record=rec, installed_on=day("2010-01-01"), removed_on=tomorrow)
    record(designated="2010-01-01", revoked=tomorrow.isoformat())
    today_report = indicator_report(as_of=today)
    assert (today_report["total"]["buildings"], today_report["total"]["buildings_plaqued"]) == (
        2,
        1,
    )
    later = indicator_report(as_of=tomorrow)["total"]
    assert (later["buildings"], later["buildings_plaqued"]) == (1, 0)
    assert today_report == expected_report(today)


@pytest.mark.slow
def test_report_equals_a_naive_computation_on_a_random_registry():
    rnd = random.Random(2260)
    regions = ["140728", "140105", "441900", "110101", "110102", "650102"]
    start = datetime.date(2005, 1, 1)

    def some_day():
        return start + datetime.timedelta(days=rnd.randrange(6000))

    for i in range(60):
        kind = rnd.choice(["district", "building", "building", "building", "village"])
        designated = None if rnd.random() < 0.1 else some_day()
        revoked = None
        if designated and rnd.random() < 0.2:
            revoked = designated + datetime.timedelta(days=rnd.randrange(1, 2000))
        archived = some_day() if kind != "village" and rnd.random() < 0.5 else None
        rec = Record.objects.create(
            code=f"R{i}", kind=kind, name="随机", level=rnd.choice(["national", "municipal"]),
            region_id=rnd.choice(regions), designated_on=designated, revoked_on=revoked,
            archive_level=archived and "brief", archive_completed_on=archived,
        )  # fmt: skip
        if kind in ("district", "building"):
            for _ in range(rnd.randrange(3)):
                installed = some_day()
                removed = None
                if rnd.random() < 0.4:
                    removed = installed + datetime.timedelta(days=rnd.randrange(1, 1500))
                Plaque.objects.create(record=rec, installed_on=installed, removed_on=removed)
        if kind == "building":
            for surveyed in rnd.sample(range(6000), rnd.randrange(4)):
                Survey.objects.create(
                    building=rec,
                    surveyed_on=start + datetime.timedelta(days=surveyed),
                    occupancy=rnd.choice(["vacant", "in_use"]),
                    state=rnd.choice(["approved", "approved", "draft", "rejected"]),
                )
    days = sorted(
        {some_day() for _ in range(12)}
        | set(Record.objects.exclude(designated_on=None).values_list("designated_on", flat=True))
        | set(Plaque.objects.exclude(removed_on=None).values_list("removed_on", flat=True))
        | set(Record.objects.exclude(archive_completed_on=None)
              .values_list("archive_completed_on", flat=True)[:10])
    )  # fmt: skip
    for d in days:
        for by in ("none", "province", "prefecture", "county", "level"):
            assert indicator_report(as_of=d, by=by) == expected_report(d, by), (d, by)
    d = days[len(days) // 2]
    assert indicator_report(as_of=d, by="county", region="140000", level="municipal") == (
        expected_report(d, "county", "140000", "municipal")
    )


def test_trend_gives_each_year_end_then_the_day():
    rec = record(designated="2015-03-01")
    plaque(rec, "2017-06-01")
    trend = indicator_trend(as_of=day("2020-05-01"), years=6, region="140000")
    assert [t["as_of"] for t in trend] == [
        "2014-12-31", "2015-12-31", "2016-12-31", "2017-12-31", "2018-12-31", "2019-12-31",
        "2020-05-01",
    ]  # fmt: skip
    assert [t["plaque_coverage"] for t in trend] == [None, 0, 0, 1, 1, 1, 1]
    for point in trend:
        d = day(point["as_of"])
        assert {k: v for k, v in point.items() if k != "as_of"} == expected_report(d)["total"]


@pytest.mark.parametrize("by", ["none", "province", "county", "level"])
def test_query_count_does_not_grow_with_the_registry(django_assert_num_queries, by):
    record(designated="2010-01-01")
    queries = 1 if by in ("none", "level") else 2  # the report, and the region labels
    with django_assert_num_queries(queries):
        indicator_report(as_of=day("2020-01-01"), by=by)
    for region in ("110101", "441900", "650102", "140105"):
        for _ in range(5):
            plaque(record("district", designated="2010-01-01", region=region), "2011-01-01")
    with django_assert_num_queries(queries):
        report = indicator_report(as_of=day("2020-01-01"), by=by)
    assert report["total"]["districts"] == 20
    with django_assert_num_queries(1):
        indicator_trend(as_of=day("2020-01-01"), years=10)
