"""The demo generator's output, checked line by line against exchange.md (no database)."""

import datetime
import io
import json
import math
import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point, Polygon
from django.core.management import call_command

from registry.choices import ALLOWED_PARENT_KINDS
from registry.demo.cities import national_cities
from registry.demo.generator import write_demo
from registry.regionscope import scope_range
from registry.zones.geometry import parse_zone

REGIONS = {
    r["code"]: r
    for r in json.loads(
        (Path(__file__).resolve().parent.parent / "fixtures" / "regions.json").read_text("utf-8")
    )
}
# The exchange.md (version 2) table, in its order: written out here, not imported from the
# exchange package, so the generator is checked against the spec itself.
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
            with_point += row["code"].startswith("DEMO-")
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


# --- version 2 content ---------------------------------------------------------------------
DESIGNATION_KEYS = ["batch", "document", "authority"]
ARCHIVE_KEYS = ["level", "completed_on"]
DEMO_DOCUMENT = re.compile(r"演示〔([0-9]{4})〕[1-9][0-9]*号")


@pytest.fixture(scope="module")
def many() -> list[dict]:
    return [row for row in records(generate(5000, seed=11)) if row["code"].startswith("DEMO-")]


def text_or_null(value, longest: int) -> bool:
    return value is None or (isinstance(value, str) and value.strip() and len(value) <= longest)


def test_version_2_values_have_the_spec_shapes(rows):
    for row in rows:
        code = row["code"]
        assert text_or_null(row["era"], 200), code
        assert text_or_null(row["description"], 20_000), code
        assert text_or_null(row["description_en"], 20_000), code
        if row["kind"] not in ("district", "building") or not row["code"].startswith("DEMO-"):
            assert row["protection_zone"] is None and row["control_zone"] is None, code
        designation = row["designation"]
        if designation is not None:
            assert list(designation) == DESIGNATION_KEYS, code
            assert any(designation.values()), "all null is written as null"
            assert all(text_or_null(v, 200) for v in designation.values()), code
        archive = row["archive"]
        if archive is not None:
            assert row["kind"] in ("district", "building"), code
            assert list(archive) == ARCHIVE_KEYS, code
            assert archive["level"] in ("brief", "typical", "full")
            day(archive["completed_on"])


def test_generated_content_says_it_is_demo_and_real_cities_say_only_their_sources(many, rows):
    for row in many:
        if row["description"] is not None:
            assert row["description"].startswith("【演示数据】" + row["name"]), row["code"]
        if row["description_en"] is not None:
            assert row["description"] is not None
            english = row["name_en"].removesuffix(" (demo)")
            assert row["description_en"].startswith(f"[Demo data] {english}."), row["code"]
        document = (row["designation"] or {}).get("document")
        if document is not None:
            # Never a number in a real issuer's pattern (国发〔…〕, 晋政函〔…〕): it would read as
            # a fact; the year is the designation's.
            match = DEMO_DOCUMENT.fullmatch(document)
            assert match and match[1] == row["designated_on"][:4], document
    real = {city["code"]: city for city in national_cities()}
    for row in rows:
        if row["code"] in real:
            assert row["designation"]["authority"] == "国务院"
            assert row["designation"]["document"] == real[row["code"]]["designation_document"]


def test_designation_and_archive_follow_the_records_dates(many):
    for row in many:
        if row["designated_on"] is None:
            assert row["designation"] is None and row["archive"] is None, row["code"]
        if row["archive"] is not None:
            assert row["revoked_on"] is None
            assert day(row["archive"]["completed_on"]) > day(row["designated_on"])
            assert day(row["archive"]["completed_on"]) <= datetime.date(2025, 12, 31)


def test_the_mix_of_content_looks_like_a_real_register(many):
    buildings = [row for row in many if row["kind"] == "building"]
    districts = [row for row in many if row["kind"] == "district"]

    def share(rows, test):
        return sum(1 for row in rows if test(row)) / len(rows)

    assert 0.85 < share(buildings, lambda row: row["era"]) < 0.95
    assert {"清代", "民国", "明末清初"} <= {row["era"] for row in buildings}
    assert 0.8 < share(buildings, lambda row: row["description"]) < 0.9
    assert 0.5 < share(buildings, lambda row: row["description_en"]) < 0.7
    # Real registers hold long notes: some descriptions run to paragraphs.
    long = [row["description"] for row in many if len(row["description"] or "") > 1000]
    assert len(long) > 8 and all("\n" in text for text in long)
    assert max(len(row["description_en"] or "") for row in many) <= 20_000

    designated = [row for row in buildings if row["designated_on"] and not row["revoked_on"]]
    assert 0.3 < share(designated, lambda row: row["archive"]) < 0.5
    standing = [row for row in districts if row["designated_on"] and not row["revoked_on"]]
    assert 0.4 < share(standing, lambda row: row["archive"]) < 0.7
    assert {row["archive"]["level"] for row in buildings if row["archive"]} == {
        "brief",
        "typical",
        "full",
    }
    said = [row["designation"] for row in designated if row["designation"]]
    assert 0.9 < len(said) / len(designated) < 0.98
    assert 0.55 < share(said, lambda d: d["document"]) < 0.75
    assert {"第一批", "第九批"} <= {d["batch"] for d in said}
    assert any(d["authority"].endswith("人民政府") for d in said if d["authority"])


def test_some_names_are_odd_as_in_real_registers(many):
    names = [row["name"] for row in many if row["kind"] == "building"]
    odd = {
        "traditional": [n for n in names if set(n) & set("張劉陳關黃廟")],
        "brackets": [n for n in names if "（" in n],
        "middle dot": [n for n in names if "·" in n],
        "Latin letters": [n for n in names if any("A" <= c <= "D" for c in n)],
        "beyond the BMP": [n for n in names if any(ord(c) > 0xFFFF for c in n)],
        "long": [n for n in names if len(n) >= 24],
    }
    assert all(odd.values()), {kind: len(found) for kind, found in odd.items()}
    assert sum(map(len, odd.values())) < 0.03 * len(names)
    assert max(len(n) for n in names) <= 200


# --- zones ---------------------------------------------------------------------------------
ZONE_BUILDINGS = 40_000  # ~780 districts (two zones each) and ~3,700 building zones


@pytest.fixture(scope="module")
def big() -> list[dict]:
    return [r for r in records(generate(ZONE_BUILDINGS, seed=13)) if r["code"].startswith("DEMO-")]


@pytest.fixture(scope="module")
def zoned(big) -> list[dict]:
    return [row for row in big if row["protection_zone"] or row["control_zone"]]


def metres(zone: dict, lat: float) -> tuple[float, float]:
    """The zone's extent east-west and north-south, in metres."""
    positions = [p for polygon in polygons(zone) for ring in polygon for p in ring]
    lons, lats = [p[0] for p in positions], [p[1] for p in positions]
    return (
        (max(lons) - min(lons)) * 111_320 * math.cos(math.radians(lat)),
        (max(lats) - min(lats)) * 110_574,
    )


def polygons(zone: dict) -> list:
    return [zone["coordinates"]] if zone["type"] == "Polygon" else zone["coordinates"]


def test_every_zone_is_valid_and_written_as_the_exporter_writes_it(zoned):
    """parse_zone (the one validator) takes each; its output, RFC 7946 oriented, is the input:
    exterior rings counter-clockwise, holes clockwise, 6 decimals."""
    count = 0
    for row in zoned:
        for key in ("protection_zone", "control_zone"):
            if row[key] is not None:
                assert list(row[key]) == ["type", "coordinates"]
                assert parse_zone(row[key]).geojson() == row[key], (row["code"], key)
                count += 1
    assert count > 5000


def test_districts_have_both_zones_and_a_tenth_of_the_buildings_a_small_one(big):
    for row in big:
        has_point = row["lat"] is not None
        if row["kind"] == "district":
            assert (row["protection_zone"] is not None) == has_point, row["code"]
            assert (row["control_zone"] is not None) == has_point, row["code"]
        elif row["kind"] == "building":
            assert row["control_zone"] is None
            assert has_point or row["protection_zone"] is None
        else:
            assert row["protection_zone"] is None and row["control_zone"] is None
    buildings = [row for row in big if row["kind"] == "building" and row["lat"] is not None]
    share = sum(1 for row in buildings if row["protection_zone"]) / len(buildings)
    assert 0.09 < share < 0.11


def test_zones_lie_around_their_point_at_plausible_sizes(zoned):
    vertices, holes, parts = [], 0, 0
    for row in zoned:
        point = Point(row["lon"], row["lat"])
        protection = GEOSGeometry(json.dumps(row["protection_zone"]))
        shell = polygons(row["protection_zone"])[0][0]
        assert Polygon(shell).contains(point), row["code"]
        width, height = metres(row["protection_zone"], row["lat"])
        if row["kind"] == "building":
            assert 8 < width < 60 and 8 < height < 60, row["code"]
            continue
        vertices.append(len(shell) - 1)
        holes += any(len(polygon) > 1 for polygon in polygons(row["protection_zone"]))
        parts += row["protection_zone"]["type"] == "MultiPolygon"
        if row["protection_zone"]["type"] == "Polygon":
            assert 150 < width < 800 and 150 < height < 800, row["code"]
        control = GEOSGeometry(json.dumps(row["control_zone"]))
        assert control.contains(protection), row["code"]
        assert control.area > 1.5 * protection.area
    assert min(vertices) >= 12 and max(vertices) <= 40
    # Now and then a hole or a second part, most often a single ring.
    assert 0.02 * len(vertices) < holes < 0.12 * len(vertices)
    assert 0.02 * len(vertices) < parts < 0.1 * len(vertices)
