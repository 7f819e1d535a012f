"""The pre-computed indicator state stays equal to the registry on every write path."""

import pytest
from django.utils import timezone

from registry.models import IndicatorChange, IndicatorTotal, Plaque, Record, Survey
from registry.selectors.indicators import indicator_report
from registry.services.indicator_state import refresh
from tests.indicator_builders import day, plaque, record, survey
from tests.indicator_reference import expected_report

pytestmark = pytest.mark.django_db

DAYS = [day(d) for d in ("2009-12-31", "2011-06-01", "2014-01-01", "2020-01-01", "2031-01-01")]


def assert_current():
    """Every report equals the naive computation, and the incremental state equals a full
    rebuild."""
    for d in DAYS:
        for by in ("none", "county", "level"):
            assert indicator_report(as_of=d, by=by) == expected_report(d, by), (d, by)
    incremental = _state()
    refresh()
    assert _state() == incremental


def _state():
    def rows(model, *key):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        return sorted(model.objects.values_list(*fields))

    return rows(IndicatorChange), rows(IndicatorTotal)


def test_orm_saves_and_deletes_of_plaques_keep_figures_current():
    rec = record("district", designated="2010-01-01")
    assert_current()
    p = plaque(rec, "2011-01-01")
    assert_current()
    p.removed_on = day("2013-01-01")
    p.save()
    assert_current()
    plaque(rec, "2012-06-01")
    p.delete()
    assert_current()


def test_a_plaque_moved_to_another_record_refreshes_both():
    a = record("district", designated="2010-01-01")
    b = record("district", designated="2010-01-01", region="441900")
    p = plaque(a, "2011-01-01")
    p.record = b
    p.save()
    assert indicator_report(as_of=day("2020-01-01"), by="county")["rows"][0]["key"] == "140728"
    assert_current()


def test_orm_survey_approval_and_rejection_keep_figures_current():
    rec = record(designated="2010-01-01")
    s = survey(rec, "2012-01-01", "vacant", state="submitted")
    assert indicator_report(as_of=day("2013-01-01"))["total"]["buildings_vacant"] == 0
    s.state = "approved"
    s.save()
    assert indicator_report(as_of=day("2013-01-01"))["total"]["buildings_vacant"] == 1
    assert_current()
    s.state = "rejected"
    s.save()
    assert indicator_report(as_of=day("2013-01-01"))["total"]["buildings_vacant"] == 0
    survey(rec, "2011-01-01", "in_use").delete()
    assert_current()


def test_orm_designation_revocation_and_moves_keep_figures_current():
    rec = record(designated=None)
    plaque(rec, "2009-01-01")
    survey(rec, "2010-01-01", "vacant")
    assert_current()
    rec.designated_on = day("2011-01-01")
    rec.save()
    assert_current()
    rec.revoked_on = day("2015-01-01")
    rec.save()
    assert_current()
    rec.revoked_on = None
    rec.region_id = "441900"  # moves to another series: the old one must drop it
    rec.level = "municipal"
    rec.save()
    rows = indicator_report(as_of=day("2020-01-01"), by="county")["rows"]
    assert [(r["key"], r["buildings"]) for r in rows] == [("441900", 1)]
    assert_current()
    rec.kind = "district"
    rec.save()
    assert_current()


def test_orm_archive_edits_keep_figures_current():
    rec = record("district", designated="2010-01-01")
    rec.archive_level, rec.archive_completed_on = "typical", day("2014-01-01")
    rec.save()
    assert indicator_report(as_of=day("2014-01-01"))["total"]["districts_archived"] == 1
    assert_current()
    rec.archive_completed_on = day("2009-01-01")  # moved before the designation
    rec.save()
    assert indicator_report(as_of=day("2011-06-01"))["total"]["archive_coverage"] == 1
    assert_current()
    rec.revoked_on = day("2012-01-01")
    rec.save()
    assert_current()
    rec.revoked_on = None
    rec.archive_level = rec.archive_completed_on = None  # the archive withdrawn
    rec.save()
    assert indicator_report(as_of=day("2020-01-01"))["total"]["districts_archived"] == 0
    assert_current()
    Record.objects.filter(pk=rec.pk).update(archive_level="full", archive_completed_on="2015-01-01")
    refresh(records=[rec.pk])  # a bulk write refreshes the records it touched
    assert indicator_report(as_of=day("2020-01-01"))["total"]["districts_archived"] == 1
    assert_current()


def test_deleting_a_record_removes_its_figures():
    keep = record(designated="2010-01-01")
    gone = record(designated="2010-01-01")
    gone.delete()
    assert indicator_report(as_of=day("2020-01-01"))["total"]["buildings"] == 1
    assert not IndicatorChange.objects.exclude(record=keep).exists()
    assert_current()


def test_bulk_writes_are_made_current_by_refresh_of_the_records_they_touched():
    recs = [record(designated="2010-01-01", region=r) for r in ("140728", "441900", "110101")]
    Record.objects.filter(pk=recs[0].pk).update(region_id="650102", revoked_on="2012-01-01")
    Plaque.objects.bulk_create([Plaque(record=r, installed_on=day("2011-01-01")) for r in recs])
    Survey.objects.bulk_create(
        [Survey(building=recs[1], surveyed_on=day("2011-01-01"), occupancy="vacant",
                state="approved")]
    )  # fmt: skip
    refresh(records=Record.objects.filter(pk__in=[r.pk for r in recs]))
    assert_current()


def test_refresh_issues_a_constant_number_of_statements(
    django_assert_num_queries, django_assert_max_num_queries
):
    one = [record(designated="2010-01-01")]
    many = [record(designated="2010-01-01", region=r) for r in ("441900", "110101") * 20]
    for rec in many:
        plaque(rec, "2011-01-01")
        survey(rec, "2012-01-01", "vacant")
    # (savepoints and, on PostgreSQL, an advisory lock included)
    with django_assert_max_num_queries(10) as small:
        refresh(records=Record.objects.filter(pk__in=[r.pk for r in one]))
    with django_assert_num_queries(len(small.captured_queries)):
        refresh(records=Record.objects.filter(pk__in=[r.pk for r in many]))
    with django_assert_num_queries(len(small.captured_queries)):
        refresh(records=[r.pk for r in many])
    with django_assert_num_queries(len(small.captured_queries)):
        refresh(records=Record.objects.order_by("-pk")[:3])
    # A full rebuild: on SQLite the tables' indexes are dropped and built again after the
    # inserts (a fixed handful of statements more, whatever the size).
    with django_assert_max_num_queries(16):
        refresh()
    assert_current()


def test_future_days_need_no_refresh_when_today_moves():
    """As-of-today and as-of-any-day are one path: the totals hold future-dated rows."""
    today = timezone.localdate()
    rec = record(designated="2010-01-01")
    Plaque.objects.create(record=rec, installed_on=day("2010-01-01"), removed_on=today)
    assert IndicatorTotal.objects.filter(day=today, buildings_plaqued=0).exists()
