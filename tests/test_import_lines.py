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
