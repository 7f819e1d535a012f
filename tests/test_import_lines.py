"""Every bad line listed, however the bad lines meet: a key given twice in one object, a code
repeated after an invalid line, plaques on a line whose kind is itself wrong."""

import json

import pytest

from registry.models import Record

from .exchange_helpers import building, city, district, jsonl, run_import, write

pytestmark = pytest.mark.django_db


def test_a_key_given_twice_is_an_error_not_a_silent_last_value(tmp_path):
    line = json.dumps(building(code="B1"), ensure_ascii=False)[:-1] + ', "code": "B2"}'
    plaque = (
        json.dumps(building(code="B3"), ensure_ascii=False)[:-1]
        + ', "plaques": [{"installed_on": "2016-01-01", "installed_on": "2017-01-01",'
        ' "number": null, "removed_on": null}]}'
    )
    ok, _, err = run_import(write(tmp_path, jsonl(city(), district(), line, plaque)))
    assert not ok
    assert "line 3: code: given twice in one object" in err
    assert "line 4: installed_on: given twice in one object" in err
    assert not Record.objects.exists()


def test_a_code_repeated_after_an_invalid_line_is_still_a_duplicate(tmp_path):
    ok, _, err = run_import(
        write(tmp_path, jsonl(city(level="bogus"), city(), district(), building(code="B1")))
    )
    assert not ok
    assert "line 1: level: must be one of" in err
    assert "line 2: code: duplicate code C1: already at line 1" in err
    assert "line 3" not in err  # its parent is on an invalid line: not blamed again
    assert "2 invalid line(s)" in err
    # And the other way round: the invalid line comes second.
    ok, _, err = run_import(write(tmp_path, jsonl(city(), city(level="bogus"))))
    assert "line 2: code: duplicate code C1: already at line 1" in err
    assert "line 2: level: must be one of" in err
    assert "line 1:" not in err
    assert not Record.objects.exists()


def test_plaques_on_a_line_without_a_valid_kind_are_checked_not_blamed_on_the_kind(tmp_path):
    bad = building(kind="castle", plaques=[{"number": None, "installed_on": "2016-1-1"}])
    ok, _, err = run_import(write(tmp_path, jsonl(city(), district(), bad)))
    assert not ok
    assert "line 3: kind: must be one of" in err
    assert "has no plaques" not in err and "None" not in err
    assert "line 3: plaques[0].installed_on" in err


# -- Version 2's list entry (exchange.md): each rule's own words, every bad line listed. -------


def _errors_of(tmp_path, *records) -> str:
    ok, _, err = run_import(write(tmp_path, jsonl(*records)))
    assert not ok
    assert not Record.objects.exists(), "nothing written"
    return err


def test_every_list_entry_rule_names_its_line_key_and_reason(tmp_path):
    err = _errors_of(
        tmp_path,
        city(),
        district(designation={"batch": "第一批", "round": 3}),
        building("B1", archive={"level": "full"}),
        city("C2", archive={"level": "full", "completed_on": "2020-01-01"}),
        building("B2", designation="第三批"),
        building("B3", era="清" * 201),
        building("B4", description="字" * 20_001, description_en="a" * 20_001),
        building("B5", description="第一段\n第二段\x00"),
        building("B6", protection_zone={"type": "Polygon", "coordinates": []}),
        building("B7", control_zone=[]),
        building("B8", archive={"level": "huge", "completed_on": "2020-02-30", "by": "x"}),
        building("B9", designation={"batch": 3, "document": "文" * 201, "authority": None}),
        building("B10", archive=[], era=7),
    )
    expected = [
        "line 2: designation.round: unknown key",
        "line 3: archive.completed_on: required",
        "line 4: archive: a city has no archive",
        "line 5: designation: must be an object or null, not a string",
        "line 6: era: longer than 200 characters",
        "line 7: description: longer than 20000 characters",
        "line 7: description_en: longer than 20000 characters",
        "line 8: description: contains a NUL character",
        "line 9: protection_zone: a Polygon has no ring",
        "line 10: control_zone: must be a GeoJSON Polygon or MultiPolygon object, not a list",
        "line 11: archive.by: unknown key",
        "line 11: archive.level: must be one of brief, full, typical, not 'huge'",
        "line 11: archive.completed_on: not a real day: '2020-02-30'",
        "line 12: designation.batch: must be a string, not a number",
        "line 12: designation.document: longer than 200 characters",
        "line 13: archive: must be an object or null, not a list",
        "line 13: era: must be a string, not a number",
    ]
    for message in expected:
        assert message in err, message
    assert "line 1:" not in err
    assert "12 invalid line(s)" in err


def test_archive_needs_both_keys_and_null_values_are_missing_ones(tmp_path):
    err = _errors_of(
        tmp_path,
        city(),
        district(archive={"completed_on": "2020-01-01"}),
        district("D2", archive={"level": None, "completed_on": None}),
        district("D3", archive={}),
    )
    assert "line 2: archive.level: required" in err
    assert "line 3: archive.level: must not be null" in err
    assert "line 3: archive.completed_on: must not be null" in err
    assert "line 4: archive.level: required" in err
    assert "line 4: archive.completed_on: required" in err


def test_the_longest_texts_the_model_holds_are_taken(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(
        city(), district(),
        building(era="清" * 200, description="字" * 20_000, description_en="a" * 20_000,
                 designation={"batch": "批" * 200, "document": "文" * 200,
                              "authority": "机" * 200}),
    )))  # fmt: skip
    assert ok, err
    record = Record.objects.get(code="B1")
    assert len(record.description) == 20_000 and len(record.designation_authority) == 200


def test_null_zones_an_empty_designation_and_a_null_archive_are_taken(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(
        city(protection_zone=None, control_zone=None, archive=None, designation={}),
        district(designation={"batch": None, "document": None, "authority": None}),
        building(archive=None, designation=None, era=None, description=None),
    )))  # fmt: skip
    assert ok, err
    assert not Record.objects.exclude(
        designation_batch=None, designation_document=None, designation_authority=None,
        archive_level=None, era=None, description=None,
    ).exists()  # fmt: skip


def test_a_version_1_file_still_imports_and_a_reimport_clears_what_it_no_longer_gives(tmp_path):
    version_1 = jsonl(city(), district(), building())
    ok, _, err = run_import(write(tmp_path, version_1))
    assert ok, err
    assert Record.objects.count() == 3
    # Given, then left out: the file replaces the record wholesale (exchange.md, Import).
    ok, out, err = run_import(write(tmp_path, jsonl(
        city(), district(archive={"level": "typical", "completed_on": "2019-05-04"}),
        building(era="清代", designation={"batch": "第三批"}),
    )))  # fmt: skip
    assert ok, err
    district_ = Record.objects.get(code="D1")
    assert (district_.archive_level, str(district_.archive_completed_on)) == (
        "typical",
        "2019-05-04",
    )
    assert Record.objects.get(code="B1").designation_batch == "第三批"
    ok, out, err = run_import(write(tmp_path, version_1))
    assert ok, err
    assert "(0 created, 2 updated, 1 unchanged)" in out
    assert not Record.objects.exclude(
        archive_level=None, era=None, designation_batch=None
    ).exists()  # fmt: skip
    ok, out, err = run_import(write(tmp_path, version_1))  # twice: nothing changes
    assert ok, err
    assert "(0 created, 0 updated, 3 unchanged)" in out


def test_an_import_logs_the_list_entry_before_and_after(tmp_path):
    from registry.models import ChangeLog

    ok, _, err = run_import(write(tmp_path, jsonl(city(), district(), building())))
    assert ok, err
    ok, _, err = run_import(write(tmp_path, jsonl(
        city(), district(),
        building(era="清代", description="一\n二", designation={"batch": "第三批"},
                 archive={"level": "full", "completed_on": "2020-01-02"}),
    )))  # fmt: skip
    assert ok, err
    entry = ChangeLog.objects.filter(object_repr__startswith="B1 ").latest("id")
    assert entry.before["era"] is None and entry.before["archive_level"] is None
    assert {k: entry.after[k] for k in ("era", "description", "designation_batch",
                                        "archive_level", "archive_completed_on")} == {
        "era": "清代", "description": "一\n二", "designation_batch": "第三批",
        "archive_level": "full", "archive_completed_on": "2020-01-02",
    }  # fmt: skip
