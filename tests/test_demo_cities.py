"""fixtures/national_cities.json: the real State Council list of national historic cities."""

import datetime
import json
import math
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


# --- designation: explicit fields, each checked against the source text it comes from ---
STATE_COUNCIL_DOCUMENT = re.compile(r"国[发函]〔[0-9]{4}〕[0-9]+号")
BATCH_LABELS = {"1982": "第一批", "1986": "第二批", "1994": "第三批"}


def test_each_batch_names_its_label_and_document_as_its_source_does():
    for batch in CITIES["batches"]:
        assert batch["designation_authority"] == "国务院"
        if batch["batch"] in BATCH_LABELS:
            assert batch["designation_batch"] == BATCH_LABELS[batch["batch"]]
            assert batch["source"].startswith(batch["designation_batch"] + "国家历史文化名城")
            # The document is written exactly as in the source, which names only that one.
            assert STATE_COUNCIL_DOCUMENT.findall(batch["source"]) == [
                batch["designation_document"]
            ]
            # Documents belong to the batch, not to its cities.
            assert all("designation_document" not in city for city in batch["cities"])
        else:
            # Later additions were approved one by one: no batch, a document per city.
            assert batch["designation_batch"] is None
            assert "designation_document" not in batch


def test_each_later_addition_has_its_own_document_or_null_when_its_source_has_none():
    later = next(b for b in CITIES["batches"] if b["batch"] == "later")
    for city in later["cities"]:
        found = STATE_COUNCIL_DOCUMENT.findall(city["source"])
        assert city["designation_document"] == (found[0] if found else None), city["name"]
        if city["designation_document"] is not None:
            assert city["designation_document"][3:7] == city["designated_on"][:4]
    without = sorted(c["name"] for c in later["cities"] if c["designation_document"] is None)
    assert without == ["山海关", "泰州", "温州", "青州"]


def test_the_records_carry_the_designation_of_their_batch():
    from registry.demo.cities import national_city_records

    by_code = {record["code"]: record for record in national_city_records()}
    assert by_code["HC-140728"]["designation"] == {  # 平遥, 1986
        "batch": "第二批",
        "document": "国发〔1986〕104号",
        "authority": "国务院",
    }
    assert by_code["HC-110000"]["designation"]["document"] == "国发〔1982〕26号"
    assert by_code["HC-130123"]["designation"]["document"] == "国函〔1994〕3号"  # 正定
    assert by_code["HC-410900"]["designation"] == {  # 濮阳, a later addition
        "batch": None,
        "document": "国函〔2004〕84号",
        "authority": "国务院",
    }
    assert by_code["HC-130303"]["designation"] == {  # 山海关: its source gives no number
        "batch": None,
        "document": None,
        "authority": "国务院",
    }
    for record in by_code.values():
        # Nothing about a real city is generated.
        assert record["era"] is record["description"] is record["description_en"] is None
        assert record["archive"] is None


# --- coordinates: the seat of the city's region in the packaged table, or none -------------
SEATS = json.loads((FIXTURES / "region_seats.json").read_text(encoding="utf-8"))


def test_the_seat_table_names_its_source_and_licence():
    source = SEATS["source"]
    assert (source["package"], source["version"], source["licence"]) == ("cpca", "0.5.5", "MIT")
    assert source["url"] == "https://pypi.org/project/cpca/0.5.5/"
    assert "MIT License" in SEATS["licence_text"] and source["copyright"] in SEATS["licence_text"]


def test_the_seat_table_covers_only_known_regions_and_accounts_for_every_other():
    assert set(SEATS["seats"]) | set(SEATS["without_seat"]) == set(REGIONS)
    assert not set(SEATS["seats"]) & set(SEATS["without_seat"])
    for code, (lat, lon) in SEATS["seats"].items():
        assert 3 <= lat <= 54 and 73 <= lon <= 136, code
    # A code reused for another division must not lend it its point.
    assert SEATS["without_seat"]["130502"] == "the package names it 桥东区"


def test_every_city_with_a_point_has_its_seat_and_the_others_are_listed():
    from registry.demo.cities import cities_without_seat, national_city_records

    records = national_city_records()
    for record in records:
        seat = SEATS["seats"].get(record["region"])
        assert [record["lat"], record["lon"]] == (seat or [None, None]), record["name"]
    assert sorted(c["name"] for c in cities_without_seat()) == ["会理", "同仁"]
    # Both were re-coded when they became cities (note): the table predates it.
    assert {c["region"] for c in cities_without_seat()} <= set(SEATS["without_seat"])
    assert sum(r["lat"] is not None for r in records) == len(ALL) - 2


def _km(a, b) -> float:
    lat = math.radians((a[0] + b[0]) / 2)
    return 111.2 * math.hypot(a[0] - b[0], (a[1] - b[1]) * math.cos(lat))


def test_every_city_point_lies_in_china_and_among_its_provinces_seats():
    for city in ALL:
        point = SEATS["seats"].get(city["region"])
        if point is None:
            continue
        assert 18 <= point[0] <= 54 and 73 <= point[1] <= 136, city["name"]
        province = city["region"][:2]
        others = [
            seat
            for code, seat in SEATS["seats"].items()
            if code[:2] == province and code != city["region"] and not code.endswith("0000")
        ]
        lats, lons = [s[0] for s in others], [s[1] for s in others]
        assert min(lats) - 0.5 <= point[0] <= max(lats) + 0.5, city["name"]
        assert min(lons) - 0.5 <= point[1] <= max(lons) + 0.5, city["name"]
        # A seat of the same province near it (not always the nearest seat: 韩城, 长汀 and 瑞金
        # lie nearer to a neighbouring province's; 敦煌's nearest is 63 km off).
        assert min(_km(point, seat) for seat in others) < 150, city["name"]


def test_known_points_independently_of_the_table():
    # From a map, to a tenth of a degree: the table is not checked against itself alone.
    known = {"平遥": (37.19, 112.18), "北京": (39.90, 116.41), "苏州": (31.30, 120.59)}
    by_name = {c["name"]: c for c in ALL}
    for name, (lat, lon) in known.items():
        seat = SEATS["seats"][by_name[name]["region"]]
        assert abs(seat[0] - lat) < 0.1 and abs(seat[1] - lon) < 0.1, name


def test_make_seats_keeps_a_point_only_where_code_and_name_agree(tmp_path):
    import zipfile

    from registry.demo.make_seats import build, dumps

    wheel = tmp_path / "cpca-0.5.5-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("cpca-0.5.5.dist-info/LICENSE", "The MIT License (MIT)\n")
        archive.writestr(
            "cpca/resources/adcodes.csv",
            "adcode,name,longitude,latitude\n"
            "140728000000,平遥县,112.176136,37.189421\n"
            "130502000000,桥东区,114.5,37.06\n"  # the code now names 襄都区
            "110000000000,北京市,,\n"
            "140728001000,某街道,112.1,37.1\n",  # below county level: ignored
        )
    document = build(wheel)
    assert document["seats"] == {"140728": [37.189421, 112.176136]}
    assert document["without_seat"]["130502"] == "the package names it 桥东区"
    assert document["without_seat"]["110000"] == "no point in the package"
    assert document["without_seat"]["140100"] == "code not in the package"
    assert len(document["seats"]) + len(document["without_seat"]) == len(REGIONS)
    assert json.loads(dumps(document)) == document


def test_the_committed_seat_table_is_in_the_scripts_layout():
    from registry.demo.make_seats import SEATS_FIXTURE, dumps

    assert dumps(SEATS) == SEATS_FIXTURE.read_text(encoding="utf-8")
