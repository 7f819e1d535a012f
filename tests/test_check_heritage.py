"""check_heritage lists what an export would write and the import refuse: records saved before
the models held the format's rules, or written around them."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.models import Plaque, Record, Survey

from .exchange_helpers import run_import, write

pytestmark = pytest.mark.django_db


def make(code, kind, parent=None, name=None):
    # objects.create skips Record.clean: what an older admin or a script let in
    return Record.objects.create(
        code=code, kind=kind, name=name or code, level="provincial", region_id="140728",
        parent=parent, designated_on="2010-01-01",
    )  # fmt: skip


def check() -> tuple[bool, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_heritage", stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue() + err.getvalue()


def test_a_conforming_registry_has_no_problems():
    city = make("C1", "city")
    district = make("D1", "district", city)
    make("B1", "building", district)
    Plaque.objects.create(record=district, installed_on="2011-01-01")
    ok, output = check()
    assert ok and "no problems" in output


def test_every_kind_of_problem_is_listed_and_each_is_what_the_import_refuses(tmp_path):
    city = make("C1", "city")
    building = make("BB", "building", city)
    make("B2", "building", building)  # a building under a building
    make("宗 祠", "city")  # a code the format cannot carry
    make("C3", "city", name="\u200b")  # a name nobody can see
    Plaque.objects.create(record=city, installed_on="2011-01-01")  # a plaque on a city
    Survey.objects.create(
        building=building, surveyed_on="2020-01-01", occupancy="vacant", state="approved",
        notes="n" * 20_001,
    )  # fmt: skip
    Survey.objects.create(  # a draft is never exported: not a problem
        building=building, surveyed_on="2020-01-02", occupancy="vacant", notes="n" * 20_001
    )
    ok, output = check()
    assert not ok
    lines = output.splitlines()
    assert "B2: parent: a building cannot lie in a building (BB)" in lines
    assert "宗 祠: code: must be 1-40 of A-Z a-z 0-9 . _ -, not '宗 祠'" in lines
    assert "C3: name: must not be blank" in lines
    assert "C1: plaques: a city has no plaques: the export leaves them out" in lines
    assert "BB: notes: longer than 20000 characters" in lines
    assert "5 problem(s)" in output
    # The export of this registry is refused by the import, line for line on the same rules.
    path = tmp_path / "all.jsonl"
    call_command("export_heritage", "--output", str(path))
    imported, _, err = run_import(write(tmp_path, path.read_bytes(), name="again.jsonl"))
    assert not imported
    for reason in ("cannot lie in a building", "1-40", "must not be blank", "longer than 20000"):
        assert reason in err


def test_the_list_entry_s_overlong_texts_are_listed_in_the_importer_s_words(tmp_path):
    from django.db import connection

    city = make("C1", "city")
    # A raw UPDATE: what a script could write around the models' validators. PostgreSQL's
    # varchar(200) refuses a longer era itself; SQLite stores it.
    texts = {"description": "字" * 20_001}
    if connection.vendor == "sqlite":
        texts.update(era="清" * 201, designation_document="文" * 201)
    Record.objects.filter(pk=city.pk).update(**texts)
    ok, output = check()
    assert not ok
    lines = output.splitlines()
    expected = ["C1: description: longer than 20000 characters"]
    if connection.vendor == "sqlite":
        expected += [
            "C1: era: longer than 200 characters",
            "C1: designation.document: longer than 200 characters",
        ]
    assert sorted(lines[: len(expected)]) == sorted(expected)
    path = tmp_path / "all.jsonl"
    call_command("export_heritage", "--output", str(path))
    imported, _, err = run_import(write(tmp_path, path.read_bytes(), name="again.jsonl"))
    assert not imported
    for message in expected:
        assert "line 1: " + message.removeprefix("C1: ") in err
