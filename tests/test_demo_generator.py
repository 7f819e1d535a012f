"""The demo generator's output, checked line by line against exchange.md (no database)."""

import datetime
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from registry.choices import ALLOWED_PARENT_KINDS
from registry.demo.cities import national_cities
from registry.demo.generator import write_demo
from registry.regionscope import scope_range

REGIONS = {
    r["code"]: r
    for r in json.loads(
        (Path(__file__).resolve().parent.parent / "fixtures" / "regions.json").read_text("utf-8")
    )
}
# The exchange.md table, in its order.
RECORD_KEYS = [
    "kind", "code", "name", "name_en", "level", "region", "parent", "designated_on",
    "revoked_on", "address", "lat", "lon", "era", "description", "description_en",
    "designation", "archive", "protection_zone", "control_zone",
]  # fmt: skip
PLAQUE_KEYS = ["number", "installed_on", "removed_on"]
SURVEY_KEYS = ["surveyed_on", "occupancy", "condition", "use", "surveyor", "notes"]
CODE = re.compile(r"[A-Za-z0-9._-]{1,40}")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
BUILDINGS = 500


def generate(buildings: int = BUILDINGS, seed: int = 7) -> str:
    out = io.StringIO()
    write_demo(out, buildings=buildings, seed=seed)
    return out.getvalue()


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.split("\n")[:-1]]


def day(value: str) -> datetime.date:
    assert DAY.fullmatch(value), value
    return datetime.date.fromisoformat(value)


@pytest.fixture(scope="module")
def text() -> str:
    return generate()


@pytest.fixture(scope="module")
def rows(text) -> list[dict]:
    return records(text)


def test_every_line_is_one_json_object_and_the_file_is_plain_utf8(text):
    assert text.endswith("\n") and not text.startswith("\ufeff")
    lines = text.split("\n")[:-1]
    assert all(line.strip() for line in lines)
    assert "\r" not in text
    for line in lines:
        assert isinstance(json.loads(line), dict)
    text.encode("utf-8")


def test_keys_come_in_the_order_of_the_spec_table(rows):
    for row in rows:
        expected = list(RECORD_KEYS)
        if row["kind"] in ("district", "building"):
            expected.append("plaques")
        if row["kind"] == "building":
            expected.append("surveys")
        assert list(row) == expected, row["code"]
        for plaque in row.get("plaques", []):
            assert list(plaque) == PLAQUE_KEYS
        for survey in row.get("surveys", []):
            assert list(survey) == SURVEY_KEYS


def test_required_values_and_enumerations(rows):
    for row in rows:
        assert row["kind"] in ("city", "town", "village", "district", "building")
        assert row["level"] in ("national", "provincial", "municipal")
        assert CODE.fullmatch(row["code"])
        assert isinstance(row["name"], str) and row["name"].strip()
        assert 1 <= len(row["name"]) <= 200


def test_codes_are_unique_and_demo_records_say_so(rows):
    codes = [row["code"] for row in rows]
    assert len(set(codes)) == len(codes)
    real = {city["code"] for city in national_cities()}
    for row in rows:
        if row["code"] in real:
            assert (row["kind"], row["level"]) == ("city", "national")
        else:
            assert row["code"].startswith("DEMO-")
            assert row["name_en"].endswith(" (demo)")


def test_every_region_is_a_known_code_and_demo_records_lie_in_counties(rows):
    for row in rows:
        assert row["region"] in REGIONS
        if row["code"].startswith("DEMO-"):
            assert REGIONS[row["region"]]["level"] == "county"


def test_parents_are_in_the_file_of_an_allowed_kind_and_mostly_share_the_region(rows):
    by_code = {row["code"]: row for row in rows}
    position = {row["code"]: n for n, row in enumerate(rows)}
    parented = inside = before_parent = 0
    for n, row in enumerate(rows):
        if row["parent"] is None:
            continue
        parent = by_code[row["parent"]]
        assert parent["kind"] in ALLOWED_PARENT_KINDS[row["kind"]]
        parented += 1
        low, high = scope_range(parent["region"])
        inside += low <= row["region"] <= high
        before_parent += n < position[parent["code"]]
    assert inside / parented > 0.8
    # The importer must resolve parents that come later in the file; many do.
    assert before_parent / parented > 0.2


def test_dates_are_in_order(rows):
    for row in rows:
        if row["revoked_on"] is not None:
            assert row["designated_on"] is not None
            assert day(row["revoked_on"]) > day(row["designated_on"])
        elif row["designated_on"] is not None:
            assert (
                datetime.date(1982, 1, 1)
                <= day(row["designated_on"])
                <= datetime.date(2025, 12, 31)
            )
        for plaque in row.get("plaques", []):
            if plaque["removed_on"] is not None:
                assert day(plaque["removed_on"]) > day(plaque["installed_on"])
        surveyed = [day(s["surveyed_on"]) for s in row.get("surveys", [])]
        assert surveyed == sorted(set(surveyed)), "at most one survey per building per day"


def test_plaques_and_surveys_only_where_the_kind_has_them(rows):
    for row in rows:
        assert ("plaques" in row) == (row["kind"] in ("district", "building"))
        assert ("surveys" in row) == (row["kind"] == "building")
        for survey in row.get("surveys", []):
            assert survey["occupancy"] in ("in_use", "vacant")
            assert survey["condition"] in ("good", "fair", "poor", "dangerous", None)


def test_coordinates_come_in_pairs_inside_china(rows):
    with_point = 0
    for row in rows:
        assert (row["lat"] is None) == (row["lon"] is None)
        if row["lat"] is not None:
            with_point += 1
            assert 15 <= row["lat"] <= 55 and 70 <= row["lon"] <= 136, row["code"]
    demo = sum(row["code"].startswith("DEMO-") for row in rows)
    assert 0.8 * demo < with_point < demo


def test_the_mix_of_kinds_and_states_looks_like_a_real_register():
    rows = records(generate(buildings=5000, seed=11))
    demo = [row for row in rows if row["code"].startswith("DEMO-")]
    kinds = Counter(row["kind"] for row in demo)
    assert kinds["building"] == 5000
    assert sum(kinds.values()) - 5000 == round(5000 * 0.035)
    assert kinds["district"] > kinds["village"] > kinds["town"] > kinds["city"] > 0

    buildings = [row for row in demo if row["kind"] == "building"]
    candidates = sum(row["designated_on"] is None for row in buildings) / len(buildings)
    revoked = sum(row["revoked_on"] is not None for row in buildings) / len(buildings)
    assert 0.01 < candidates < 0.06 and 0.003 < revoked < 0.02
    designated = [day(row["designated_on"]).year for row in buildings if row["designated_on"]]
    assert min(designated) >= 2008 and max(designated) <= 2025

    surveyed = [row["surveys"] for row in buildings if row["surveys"]]
    assert 0.02 < 1 - len(surveyed) / len(buildings) < 0.09
    assert max(len(s) for s in surveyed) == 4
    vacant = sum(s[-1]["occupancy"] == "vacant" for s in surveyed) / len(surveyed)
    assert 0.07 < vacant < 0.13
    plaques = Counter(len(row["plaques"]) for row in buildings)
    assert plaques[1] > plaques[0] > 0 and plaques[2] > 0
    rehung = [row["plaques"] for row in buildings if len(row["plaques"]) == 2]
    assert all(p[0]["removed_on"] and p[1]["number"] != p[0]["number"] for p in rehung)
    assert all(
        1 <= len(row["plaques"]) <= 3
        for row in demo
        if row["kind"] == "district" and row["designated_on"]
    )
    # Some districts lie in the real national cities.
    assert any(
        row["kind"] == "district" and (row["parent"] or "").startswith("HC-") for row in demo
    )


def test_same_seed_same_bytes_other_seed_other_bytes():
    assert generate(seed=3) == generate(seed=3)
    assert generate(seed=3) != generate(seed=4)


def test_command_writes_the_same_bytes_to_a_file_and_to_stdout(tmp_path, text):
    target = tmp_path / "demo.jsonl"
    call_command(
        "generate_demo", buildings=BUILDINGS, seed=7, output=str(target), stderr=io.StringIO()
    )
    assert target.read_bytes() == text.encode("utf-8")
    stdout = io.StringIO()
    call_command("generate_demo", buildings=BUILDINGS, seed=7, stdout=stdout, stderr=io.StringIO())
    assert stdout.getvalue() == text
