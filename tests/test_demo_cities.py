"""fixtures/national_cities.json: the real State Council list of national historic cities."""

import datetime
import json
import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CITIES = json.loads((FIXTURES / "national_cities.json").read_text(encoding="utf-8"))
REGIONS = {r["code"]: r for r in json.loads((FIXTURES / "regions.json").read_text("utf-8"))}
ALL = [city for batch in CITIES["batches"] for city in batch["cities"]]
BATCH_DAYS = {"1982": "1982-02-08", "1986": "1986-12-08", "1994": "1994-01-04"}


def test_every_region_code_exists_in_the_region_fixture():
    missing = [(c["name"], c["region"]) for c in ALL if c["region"] not in REGIONS]
    assert missing == []


def test_region_name_and_province_match_the_region_fixture():
    for city in ALL:
        region = REGIONS[city["region"]]
        assert city["region_name"] == region["name"], city
        assert city["province"] == REGIONS[city["region"][:2] + "0000"]["name"], city


def test_names_and_codes_are_unique():
    names = [c["name"] for c in ALL]
    codes = [c["code"] for c in ALL]
    assert len(set(names)) == len(names)
    assert len(set(codes)) == len(codes)


def test_codes_follow_the_documented_scheme_and_the_exchange_code_rule():
    for city in ALL:
        assert re.fullmatch(r"HC-[0-9]{6}(-[0-9]+)?", city["code"]), city
        assert city["code"].startswith("HC-" + city["region"])
        assert re.fullmatch(r"[A-Za-z0-9._-]{1,40}", city["code"])


def test_the_three_state_council_batches_are_complete_with_their_days():
    batches = {b["batch"]: b for b in CITIES["batches"]}
    assert [len(batches[k]["cities"]) for k in ("1982", "1986", "1994")] == [24, 38, 37]
    for key, day in BATCH_DAYS.items():
        assert batches[key]["source"]
        assert {c["designated_on"] for c in batches[key]["cities"]} == {day}


def test_later_additions_carry_a_day_and_a_source_each_after_the_batches():
    later = [b for b in CITIES["batches"] if b["batch"] not in BATCH_DAYS]
    assert len(later) == 1
    for city in later[0]["cities"]:
        day = datetime.date.fromisoformat(city["designated_on"])
        assert datetime.date(1994, 1, 4) < day <= datetime.date.today()
        assert city["source"]


def test_known_entries():
    by_name = {c["name"]: c for c in ALL}
    assert by_name["平遥"]["region"] == "140728"
    assert by_name["北京"]["region"] == "110000"
    assert by_name["苏州"]["region"] == "320500"
    assert by_name["平遥"]["designated_on"] == "1986-12-08"
