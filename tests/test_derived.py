"""One path for derived state (registry/services/derived.py): every way of writing leaves the
indicator state and the search data equal to a full rebuild, and `refresh_derived --check`
finds (and `refresh_derived` mends) what a hand-made SQL change broke."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from registry.models import ChangeLog, IndicatorChange, Plaque, Record, SearchDoc, Survey
from registry.services import derived_check
from registry.services.plaques import plaque_hang
from registry.services.records import record_create, record_update
from registry.services.survey_import import import_rows
from registry.services.surveys import survey_approve, survey_create, survey_submit
from tests.exchange_helpers import building, city, district, jsonl, run_import, write
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db
D = datetime.date


def check() -> tuple[bool, str]:
    """(no difference, what --check printed)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("refresh_derived", "--check", stdout=out, stderr=err)
    except CommandError as refused:
        return False, out.getvalue() + str(refused)
    return True, out.getvalue()


def stored_state():
    return (
        sorted(
            IndicatorChange.objects.values_list(
                "record_id", "day", "buildings", "buildings_plaqued"
            )
        ),
        sorted(SearchDoc.objects.values_list("record_id", "terms")),
    )


def write_through_every_path(tmp_path):
    # The exchange importer (raw SQL).
    ok, _out, err = run_import(write(tmp_path, jsonl(
        city(), district(),
        building(plaques=[{"number": "P1", "installed_on": "2015-05-01"}],
                 surveys=[{"surveyed_on": "2020-01-01", "occupancy": "vacant"}]),
        building("B2", name="王家大院"),
    )))  # fmt: skip
    assert ok, err
    # Plain ORM saves of a record, a plaque, a survey.
    b2 = Record.objects.get(code="B2")
    b2.name, b2.level = "王家大院（东）", "national"
    b2.save()
    Plaque.objects.create(record=b2, number="P2", installed_on=D(2016, 1, 1))
    Survey.objects.create(building=b2, surveyed_on=D(2021, 1, 1), occupancy="in_use",
                          state="approved")  # fmt: skip
    # The services, as the admin calls them.
    registrar = user("r", "registrar", password=None)
    reviewer = user("v", "reviewer", password=None)
    surveyor = user("s", "surveyor", password=None)
    b3 = record_create(user=registrar, data={
        "code": "B3", "kind": "building", "name": "李宅", "level": "provincial",
        "region_id": "140728", "designated_on": D(2012, 1, 1),
    })  # fmt: skip
    b3 = record_update(user=registrar, record=b3, data={"revoked_on": D(2023, 1, 1)},
                       version=b3.version)  # fmt: skip
    # The archive (测绘建档) edited as the admin's change form does: a change day of its own.
    record_update(user=registrar, record=b3, data={"archive_level": "brief",
                  "archive_completed_on": D(2013, 6, 1)}, version=b3.version)  # fmt: skip
    plaque_hang(user=registrar, record=b3, number="P3", on=D(2013, 1, 1))
    draft = survey_create(user=surveyor, building=b3,
                          data={"surveyed_on": D(2014, 1, 1), "occupancy": "vacant"})  # fmt: skip
    submitted = survey_submit(user=surveyor, survey=draft, version=draft.version)
    survey_approve(user=reviewer, survey=submitted, version=submitted.version)
    # The survey spreadsheet import (bulk_create).
    import_rows(user=surveyor, rows=[(2, {"building": "B1", "surveyed_on": "2022-01-01",
                                          "occupancy": "在用"})])  # fmt: skip


def test_every_write_path_leaves_the_derived_state_as_a_rebuild_makes_it(tmp_path):
    write_through_every_path(tmp_path)
    assert Survey.objects.filter(state="draft").exists()  # the sheet's row is in
    before = stored_state()
    ok, printed = check()
    assert ok, printed
    assert stored_state() == before  # the check changed nothing


def test_restore_leaves_the_derived_state_as_a_rebuild_makes_it(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    write_through_every_path(tmp_path)
    call_command("backup_heritage", str(tmp_path / "b"), "--unsigned", stdout=io.StringIO())
    before = stored_state()
    for model in (ChangeLog, Survey, Plaque):
        model.objects.all().delete()
    Record.objects.update(parent=None)
    Record.objects.all().delete()
    get_user = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model
    get_user().objects.all().delete()
    call_command("restore_heritage", str(tmp_path / "b"), "--trust-unsigned",
                 stdout=io.StringIO())  # fmt: skip
    assert stored_state() == before
    ok, printed = check()
    assert ok, printed


def test_check_lists_what_hand_made_sql_broke_and_refresh_mends_it(tmp_path):
    write_through_every_path(tmp_path)
    b1, b2 = Record.objects.get(code="B1"), Record.objects.get(code="B2")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE registry_indicatorchange SET buildings_plaqued = buildings_plaqued + 5"
            " WHERE record_id = %s",
            [b1.pk],
        )
        cur.execute("DELETE FROM registry_searchdoc WHERE record_id = %s", [b2.pk])
        cur.execute("UPDATE registry_indicatortotal SET buildings = buildings + 1"
                    " WHERE level = 'national'")  # fmt: skip
    broken = stored_state()
    ok, printed = check()
    assert not ok
    assert "indicator change: record B1 day " in printed and "buildings_plaqued=" in printed
    assert "indicator total: region 140728 level national day " in printed
    assert "search: record B2: missing" in printed
    if connection.vendor == "sqlite":  # the FTS5 index still holds B2's keys
        assert "search index: the FTS5 index differs from the search data" in printed
    assert "difference(s) from a rebuild" in printed
    assert stored_state() == broken  # the check rolled its rebuild back

    call_command("refresh_derived", stdout=io.StringIO(), stderr=io.StringIO())
    ok, printed = check()
    assert ok, printed


def test_an_archive_day_changed_in_sql_is_found_by_the_check_and_mended(tmp_path):
    write_through_every_path(tmp_path)
    b3 = Record.objects.get(code="B3")
    assert IndicatorChange.objects.filter(record=b3, day=D(2013, 6, 1), buildings_archived=1)
    with connection.cursor() as cur:
        cur.execute("UPDATE registry_record SET archive_completed_on = %s WHERE id = %s",
                    [D(2020, 1, 1), b3.pk])  # fmt: skip
    ok, printed = check()
    assert not ok
    assert "indicator change: record B3 day 2013-06-01" in printed
    assert "buildings_archived=" in printed
    call_command("refresh_derived", stdout=io.StringIO(), stderr=io.StringIO())
    assert IndicatorChange.objects.filter(record=b3, day=D(2020, 1, 1), buildings_archived=1)
    ok, printed = check()
    assert ok, printed


def test_check_output_is_bounded(tmp_path, monkeypatch):
    write_through_every_path(tmp_path)
    monkeypatch.setattr(derived_check, "SHOWN", 1)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM registry_searchdoc")
    drift = derived_check.check()
    records = Record.objects.count()
    first = Record.objects.order_by("pk").first().code
    searches = [line for line in drift.lines if line.startswith("search:")]
    assert searches == [f"search: record {first}: missing", f"search: … and {records - 1} more"]
    stale_fts = connection.vendor == "sqlite"  # and the FTS5 index still holds every key
    assert drift.count == records + stale_fts
