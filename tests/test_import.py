"""import_heritage against every rule of exchange.md."""

import json

import pytest

from registry.choices import SurveyState
from registry.models import Plaque, Record, Survey

from .exchange_helpers import building, city, district, jsonl, run_import, write

pytestmark = pytest.mark.django_db


def state():
    """Everything an import can change, comparable across runs."""
    return (
        sorted(Record.objects.values_list(
            "code", "kind", "name", "name_en", "level", "region_id", "parent__code",
            "designated_on", "revoked_on", "address", "lat", "lon", "updated_at")),
        sorted(Plaque.objects.values_list("id", "record__code", "number", "installed_on",
                                          "removed_on")),
        sorted(Survey.objects.values_list("id", "building__code", "surveyed_on", "occupancy",
                                          "condition", "use", "surveyor", "notes", "state")),
    )  # fmt: skip


def test_children_before_parents_are_linked(tmp_path):
    ok, out, err = run_import(write(tmp_path, jsonl(
        building(plaques=[{"number": "P1", "installed_on": "2015-05-01"}],
                 surveys=[{"surveyed_on": "2020-01-01", "occupancy": "vacant"}]),
        district(), city(),
    )))  # fmt: skip
    assert ok, err
    assert "3 records (3 created" in out
    b = Record.objects.get(code="B1")
    assert b.parent.code == "D1" and b.parent.parent.code == "C1"
    assert list(b.plaques.values_list("number", "installed_on__year")) == [("P1", 2015)]
    survey = b.surveys.get()
    assert survey.state == SurveyState.APPROVED and survey.occupancy == "vacant"
    assert survey.condition is None


def test_parent_may_already_be_in_the_registry(tmp_path):
    assert run_import(write(tmp_path, jsonl(city(), district()), "a.jsonl"))[0]
    ok, _, err = run_import(write(tmp_path, jsonl(building()), "b.jsonl"))
    assert ok, err
    assert Record.objects.get(code="B1").parent.code == "D1"


def test_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, jsonl(
        city(), district(plaques=[{"number": None, "installed_on": "2011-01-01"}] * 2),
        building(lat=37.2, lon=112.18, surveys=[
            {"surveyed_on": "2019-01-01", "occupancy": "in_use", "condition": "good"},
            {"surveyed_on": "2021-01-01", "occupancy": "vacant", "notes": "无人居住"}]),
    ))  # fmt: skip
    assert run_import(path)[0]
    before = state()
    ok, out, _ = run_import(path)
    assert ok and "0 created, 0 updated, 3 unchanged" in out
    assert state() == before


def test_upsert_replaces_the_record_wholesale_and_leaves_others_alone(tmp_path):
    assert run_import(write(tmp_path, jsonl(
        city(), district(), building(),
        building("B2", plaques=[{"number": "old", "installed_on": "2016-01-01"}],
                 surveys=[{"surveyed_on": "2018-01-01", "occupancy": "vacant"},
                          {"surveyed_on": "2019-01-01", "occupancy": "vacant"}]),
    ), "a.jsonl"))[0]  # fmt: skip
    b2 = Record.objects.get(code="B2")
    kept_survey = b2.surveys.get(surveyed_on="2019-01-01")
    draft = Survey.objects.create(building=b2, surveyed_on="2018-01-01", occupancy="in_use")
    untouched = state()[0][2]  # B1's row, not in the second file

    ok, out, err = run_import(write(tmp_path, jsonl(
        building("B2", name="李家大院", parent="C1", address="西大街1号",
                 plaques=[{"number": "new", "installed_on": "2020-01-01"}],
                 surveys=[{"surveyed_on": "2019-01-01", "occupancy": "in_use"}]),
    ), "b.jsonl"))  # fmt: skip
    assert ok, err
    assert "0 created, 1 updated, 0 unchanged" in out
    b2.refresh_from_db()
    assert (b2.name, b2.parent.code, b2.address) == ("李家大院", "C1", "西大街1号")
    assert list(b2.plaques.values_list("number", flat=True)) == ["new"]
    approved = b2.surveys.filter(state="approved")
    assert list(approved.values_list("surveyed_on__year", "occupancy")) == [(2019, "in_use")]
    assert approved.get().pk == kept_survey.pk, "a survey kept by the file keeps its row"
    assert Survey.objects.filter(pk=draft.pk, state="draft").exists(), "drafts are not touched"
    assert state()[0][2] == untouched


def test_optional_values_can_be_cleared(tmp_path):
    assert run_import(write(tmp_path, jsonl(
        city(), district(), building(name_en="Zhang", address="x", lat=1.5, lon=2.5,
                                     revoked_on="2020-01-01")), "a.jsonl"))[0]  # fmt: skip
    assert run_import(write(tmp_path, jsonl(building(parent=None)), "b.jsonl"))[0]
    b = Record.objects.get(code="B1")
    assert (b.name_en, b.address, b.lat, b.lon, b.revoked_on, b.parent) == (None,) * 6


def test_blank_lines_and_crlf_are_accepted(tmp_path):
    content = jsonl(city()).replace(b"\n", b"\r\n") + b"\n   \n" + jsonl(district())
    ok, out, err = run_import(write(tmp_path, content))
    assert ok, err
    assert Record.objects.count() == 2


def test_every_bad_line_is_listed_and_nothing_is_written(tmp_path):
    assert run_import(write(tmp_path, jsonl(city()), "a.jsonl"))[0]
    before = state()
    ok, out, err = run_import(write(tmp_path, jsonl(
        district(name="改了名"),                      # 1: valid, must not be applied
        building(level="world"),                       # 2
        building("B2", region="999999"),               # 3
        "{not json",                                   # 4
        building("B3", parent="NOPE"),                 # 5
    ), "b.jsonl"))  # fmt: skip
    assert not ok
    assert "line 2: level: must be one of" in err
    assert "line 3: region: unknown region code 999999" in err
    assert "line 4: -: invalid JSON" in err
    assert "line 5: parent: parent NOPE is neither in the file nor in the registry" in err
    assert "4 invalid line(s); nothing was imported" in err
    assert "Traceback" not in err
    assert state() == before


def test_a_line_may_have_several_errors_all_listed(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(
        {"kind": "castle", "code": "bad code!", "name": " ", "level": "x", "region": "1",
         "colour": "red"})))  # fmt: skip
    assert not ok
    for key in ("kind", "code", "name", "level", "region", "colour"):
        assert f"line 1: {key}:" in err


BAD_LINES = [
    (building(extra=1), "extra", "unknown key"),
    ({k: v for k, v in building().items() if k != "name"}, "name", "required"),
    (building(kind=None), "kind", "must not be null"),
    (building(code="x" * 41), "code", "1-40"),
    (building(code="宗祠"), "code", "1-40"),
    (building(name="  "), "name", "must not be blank"),
    (building(name="名" * 201), "name", "longer than 200"),
    (building(name=5), "name", "must be a string"),
    (building(region=140728), "region", "six-digit"),
    (building(region="14072"), "region", "six-digit"),
    (city(parent="C0"), "parent", "a city has no parent"),
    (building(parent="B1", code="B1"), "parent", "its own parent"),
    (building(revoked_on="2016-01-01", designated_on=None), "revoked_on", "without designated_on"),
    (building(revoked_on="2015-03-01"), "revoked_on", "after designated_on"),
    (building(designated_on="2015/03/01"), "designated_on", "YYYY-MM-DD"),
    (building(designated_on="2023-02-30"), "designated_on", "not a real day"),
    (building(lat=37.1), "lon", "both or neither"),
    (building(lat=91, lon=0), "lat", "within [-90, 90]"),
    (building(lat=0, lon=-180.5), "lon", "within [-180, 180]"),
    (building(lat="37", lon=112), "lat", "must be a number"),
    (building(lat=True, lon=112), "lat", "must be a number"),
    (city(plaques=[{"installed_on": "2015-01-01"}]), "plaques", "a city has no plaques"),
    (district(surveys=[{"surveyed_on": "2015-01-01", "occupancy": "vacant"}]), "surveys",
     "a district has no surveys"),
    (building(plaques={"number": "1"}), "plaques", "must be a list"),
    (building(plaques=[{"number": "1"}]), "plaques[0].installed_on", "required"),
    (building(plaques=[{"installed_on": "2015-01-01", "removed_on": "2014-01-01"}]),
     "plaques[0].removed_on", "after installed_on"),
    (building(plaques=[{"installed_on": "2015-01-01", "color": "red"}]), "plaques[0].color",
     "unknown key"),
    (building(surveys=[{"surveyed_on": "2020-01-01", "occupancy": "empty"}]),
     "surveys[0].occupancy", "must be one of"),
    (building(surveys=[{"surveyed_on": "2020-01-01", "occupancy": "vacant",
                        "condition": "ruined"}]), "surveys[0].condition", "must be one of"),
    (building(surveys=[{"surveyed_on": "2020-01-01", "occupancy": "vacant"},
                       {"surveyed_on": "2020-01-01", "occupancy": "in_use"}]),
     "surveys[1].surveyed_on", "at most one a day"),
    (building(name="张\u0000氏"), "name", "NUL"),
    (json.dumps(building(name="\ud800")), "name", "surrogate"),  # escaped lone surrogate
    ("[1, 2]", "-", "must be a JSON object"),
    ('{"kind": "city", "lat": NaN}', "-", "not a JSON number"),
    ("[" * 100000 + "]" * 100000, "-", "nested too deeply"),
]  # fmt: skip


@pytest.mark.parametrize(("record", "key", "reason"), BAD_LINES)
def test_each_kind_of_bad_line_is_reported(tmp_path, record, key, reason):
    ok, _, err = run_import(write(tmp_path, jsonl(city(), district(), record)))
    assert not ok
    assert f"line 3: {key}: " in err and reason in err, err
    assert Record.objects.count() == 0


def test_plaques_and_surveys_may_be_null_or_empty_on_kinds_without_them(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(
        city(plaques=None, surveys=[]), district(surveys=None, plaques=[]))))  # fmt: skip
    assert ok, err


def test_wrong_parent_kinds(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(
        city(), district(), building(),
        building("B2", parent="B1"),          # building in a building
        district("D2", parent="D1"),          # district in a district
    )))  # fmt: skip
    assert not ok
    assert "line 4: parent: a building cannot lie in a building (B1)" in err
    assert "line 5: parent: a district cannot lie in a district (D1)" in err


def test_duplicate_codes_in_one_file(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(city(), city(name="又一个"), city("C2"))))
    assert not ok
    assert "line 2: code: duplicate code C1: already at line 1" in err


def test_a_code_never_changes_kind(tmp_path):
    assert run_import(write(tmp_path, jsonl(city()), "a.jsonl"))[0]
    ok, _, err = run_import(write(tmp_path, jsonl(
        {**city(), "kind": "town"}), "b.jsonl"))  # fmt: skip
    assert not ok
    assert "line 1: kind: C1 is a city in the registry, not a town: a code never" in err


def test_child_of_an_invalid_line_is_not_blamed_twice(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(city(level="bad"), district())))
    assert not ok
    assert "line 1: level" in err and "line 2" not in err


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xef\xbb\xbf" + jsonl(city()), "byte-order mark"),
        ('{"kind": "city", "name": "历史建筑"}\n'.encode("gbk"), "not UTF-8"),
        (jsonl(city())[:-20], "invalid JSON"),  # truncated file
        (b'{"kind": "city", "name": "a\x00b"}\n', "invalid JSON"),  # raw NUL byte
    ],
)
def test_broken_files_give_a_clear_error(tmp_path, content, reason):
    ok, _, err = run_import(write(tmp_path, content))
    assert not ok
    assert "line 1: -: " + reason in err
    assert "Traceback" not in err
    assert Record.objects.count() == 0


def test_an_overlong_line_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    from registry.exchange import blocks

    monkeypatch.setattr(blocks, "MAX_LINE_BYTES", 1000)
    ok, _, err = run_import(write(tmp_path, jsonl(city(name="名" * 2000), city("C2"))))
    assert not ok
    assert "line 1: -: line longer than 1000 bytes" in err
    assert "line 2" not in err


def test_missing_file_is_a_clear_error(tmp_path):
    ok, _, err = run_import(tmp_path / "nope.jsonl")
    assert not ok and "no such file" in err


def test_imports_keep_the_indicator_figures_current(tmp_path):
    import datetime

    from registry.selectors.indicators import indicator_report

    def total():
        report = indicator_report(as_of=datetime.date(2024, 12, 31))["total"]
        return report["buildings"], report["buildings_plaqued"], report["buildings_vacant"]

    vacant = [{"surveyed_on": "2020-01-01", "occupancy": "vacant"}]
    plaque = [{"installed_on": "2016-01-01"}]
    assert run_import(write(tmp_path, jsonl(
        city(), district(), building(surveys=vacant), building("B2", plaques=plaque)),
        "a.jsonl"))[0]  # fmt: skip
    assert total() == (2, 1, 1)  # the first import fills an empty registry
    assert run_import(write(tmp_path, jsonl(
        building(plaques=plaque, surveys=[*vacant, {"surveyed_on": "2022-01-01",
                                                    "occupancy": "in_use"}]),
        building("B3", revoked_on="2018-01-01")), "b.jsonl"))[0]  # fmt: skip
    assert total() == (2, 2, 0)  # B1 now plaqued and in use; B3 revoked before the day


@pytest.mark.parametrize("parallel", [False, True])
def test_worker_processes_validate_exactly_as_this_process_does(tmp_path, monkeypatch, parallel):
    from registry.exchange import blocks

    monkeypatch.setattr(blocks, "BLOCK_LINES", 2)  # many blocks, several in flight
    if parallel:
        monkeypatch.setattr(blocks, "PARALLEL_MIN_BYTES", 0)
        monkeypatch.setattr(blocks.os, "cpu_count", lambda: 2)
    bad = write(tmp_path, jsonl(building(), district(level="x"), city(), building("B2", lat=1),
                                building("B3")), "bad.jsonl")  # fmt: skip
    ok, _, err = run_import(bad)
    assert not ok
    assert [line for line in err.splitlines() if line.startswith("line")] == [
        "line 2: level: must be one of municipal, national, provincial, not 'x'",
        "line 4: lon: lat and lon: both or neither",
    ]
    plaqued = [building(f"B{i}", plaques=[{"installed_on": "2016-01-01"}]) for i in range(7)]
    good = write(tmp_path, jsonl(*plaqued, district(), city()), "good.jsonl")
    ok, out, err = run_import(good)
    assert ok, err
    assert "9 records (9 created" in out and "7 plaques" in out
    assert Record.objects.filter(kind="building", parent__code="D1").count() == 7


def test_imported_records_are_found_by_the_catalog_search(tmp_path, client):
    assert run_import(write(tmp_path, jsonl(city(), district(), building()), "a.jsonl"))[0]
    assert client.get("/api/v1/records/", {"q": "宗祠"}).json()["count"] == 1
    assert run_import(write(tmp_path, jsonl(building(name="李家大院")), "b.jsonl"))[0]
    assert client.get("/api/v1/records/", {"q": "宗祠"}).json()["count"] == 0
    found = client.get("/api/v1/records/", {"q": "lijia"}).json()
    assert [r["code"] for r in found["results"]] == ["B1"]


def test_imports_are_on_record_in_the_change_log(tmp_path):
    from registry.models import ChangeLog

    assert run_import(write(tmp_path, jsonl(city(), district(), building()), "a.jsonl"))[0]
    assert ChangeLog.objects.filter(action="import").count() == 3
    assert run_import(write(tmp_path, jsonl(city(), district(), building()), "a.jsonl"))[0]
    assert ChangeLog.objects.count() == 3, "an import that changes nothing logs nothing"
    assert run_import(write(tmp_path, jsonl(building(name="李家大院")), "b.jsonl"))[0]
    entry = ChangeLog.objects.filter(object_id=Record.objects.get(code="B1").pk).latest("id")
    assert entry.before["name"] == "张氏宗祠" and entry.after["name"] == "李家大院"
