"""export_heritage: order, shape, determinism, lossless round trip, CSV and GeoJSON."""

import csv
import io
import json

import pytest

from registry.models import Plaque, Record, Survey

from .exchange_helpers import building, city, district, jsonl, run_export, run_import, write

pytestmark = pytest.mark.django_db

# A long description: paragraphs separated by \n, near the 20,000 characters the format allows.
LONG = "\n".join(f"第{i}段：价值特色与历史沿革，清代“日升昌”旧址。" for i in range(800))[:20_000]
RICH = [
    building("b-2", name_en="Zhang Ancestral Hall", address="西大街 1 号", lat=37.201234567,
             lon=112.181234567, revoked_on="2022-06-30",
             control_zone={"type": "MultiPolygon", "coordinates": [
                 [[[112.18, 37.2], [112.19, 37.2], [112.19, 37.21], [112.18, 37.2]]],
                 [[[112.2, 37.2], [112.201234567891, 37.2], [112.2, 37.201234567891],
                   [112.2, 37.2]]]]},
             plaques=[{"number": "P-9", "installed_on": "2016-01-01", "removed_on": "2019-01-01"},
                      {"number": None, "installed_on": "2015-05-01", "removed_on": None},
                      {"number": "P-10", "installed_on": "2019-02-01"}],
             surveys=[{"surveyed_on": "2021-01-01", "occupancy": "vacant", "condition": "poor",
                       "use": "空置", "surveyor": "王工", "notes": "屋顶漏雨\n需修缮"},
                      {"surveyed_on": "2019-01-01", "occupancy": "in_use", "condition": None,
                       "use": None, "surveyor": None, "notes": None}]),
    district("D1", plaques=[{"number": "G-东", "installed_on": "2012-01-01"},
                            {"number": "G-西", "installed_on": "2012-01-01"}]),
    # Zones as RFC 7946 orients them (tests/test_exchange_zones.py turns others round).
    city("C1", lat=37.2, lon=112.18, protection_zone={"type": "Polygon", "coordinates": [
        [[112.1, 37.1], [112.3, 37.1], [112.3, 37.3], [112.1, 37.3], [112.1, 37.1]],
        [[112.15, 37.15], [112.15, 37.25], [112.25, 37.25], [112.25, 37.15], [112.15, 37.15]]]}),
    {"kind": "town", "code": "Z_9", "name": "碛口镇", "level": "national", "region": "141125"},
    {"kind": "village", "code": "a.1", "name": "张壁村", "level": "provincial",
     "region": "140781", "designated_on": "2007-06-01"},
    building("B-1", parent="a.1", lat=-0.5, lon=-73),
    # Version 2's list entry: every key, unicode, long text with its paragraphs, a designation
    # partly null, an archive on a district and on a building, null zones given.
    district("D-2", era="明末清初", description=LONG, description_en="Two lanes.\nA gate.",
             designation={"batch": "第三批", "document": "国发〔1986〕104号",
                          "authority": "国务院"},
             archive={"level": "full", "completed_on": "2020-10-01"},
             protection_zone=None, control_zone=None),
    building("B-3", parent="D-2", era="1936年", description="𠀋 \"引号\" </p>\n\n\u2028",
             designation={"batch": None, "document": "晋政发〔2015〕3号"},
             archive={"level": "brief", "completed_on": "2021-02-28"}),
    city("C-2", designation={"batch": None, "document": None, "authority": None},
         description="", era=None),
]  # fmt: skip


def _lines(text: str) -> list[str]:
    """Split on \n only: str.splitlines() would also cut at the U+2028 a text may hold."""
    return text.split("\n")[:-1]


@pytest.fixture
def imported(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(*RICH)))
    assert ok, err


def test_records_are_sorted_by_code_point_with_every_key_in_order(imported):
    lines = _lines(run_export())
    records = [json.loads(line) for line in lines]
    codes = [r["code"] for r in records]
    assert codes == sorted(codes) == ["B-1", "B-3", "C-2", "C1", "D-2", "D1", "Z_9", "a.1", "b-2"]
    keys = ["kind", "code", "name", "name_en", "level", "region", "parent", "designated_on",
            "revoked_on", "address", "lat", "lon", "era", "description", "description_en",
            "designation", "archive", "protection_zone", "control_zone"]  # fmt: skip
    by_code = {r["code"]: r for r in records}
    assert list(by_code["C1"]) == keys
    assert list(by_code["D1"]) == [*keys, "plaques"]
    assert list(by_code["B-1"]) == [*keys, "plaques", "surveys"]
    assert by_code["B-1"]["plaques"] == [] and by_code["B-1"]["surveys"] == []
    assert by_code["Z_9"]["designated_on"] is None and by_code["Z_9"]["name_en"] is None
    assert all(by_code["Z_9"][key] is None for key in keys[12:])


def test_the_list_entry_is_written_as_the_spec_shows(imported):
    text = run_export()
    by_code = {r["code"]: r for r in map(json.loads, _lines(text))}
    assert by_code["B-3"]["designation"] == {
        "batch": None,
        "document": "晋政发〔2015〕3号",
        "authority": None,
    }  # a key missing in the file is null
    assert by_code["C-2"]["designation"] is None, "all null is no designation"
    assert by_code["C-2"]["description"] == "", "an empty text is kept, not made null"
    assert by_code["D-2"]["archive"] == {"level": "full", "completed_on": "2020-10-01"}
    assert by_code["D-2"]["description"] == LONG and len(LONG) == 20_000
    assert (
        '"designation":{"batch":"第三批","document":"国发〔1986〕104号","authority":"国务院"},'
        '"archive":{"level":"full","completed_on":"2020-10-01"},'
        '"protection_zone":null,"control_zone":null,"plaques":[]}' in text
    )
    record = Record.objects.get(code="B-3")
    assert (record.era, record.designation_batch, record.designation_document) == (
        "1936年",
        None,
        "晋政发〔2015〕3号",
    )
    assert (record.archive_level, str(record.archive_completed_on)) == ("brief", "2021-02-28")


def test_plaques_and_surveys_are_sorted_and_only_approved_surveys_exported(imported):
    b = Record.objects.get(code="b-2")
    Survey.objects.create(building=b, surveyed_on="2023-01-01", occupancy="in_use")
    Survey.objects.create(building=b, surveyed_on="2023-02-01", occupancy="in_use",
                          state="rejected")  # fmt: skip
    record = next(json.loads(x) for x in _lines(run_export()) if '"b-2"' in x)
    assert [p["installed_on"] for p in record["plaques"]] == [
        "2015-05-01",
        "2016-01-01",
        "2019-02-01",
    ]
    assert [s["surveyed_on"] for s in record["surveys"]] == ["2019-01-01", "2021-01-01"]
    assert record["surveys"][1] == RICH[0]["surveys"][0]


def test_every_value_comes_back_equal(imported):
    exported = {r["code"]: r for r in map(json.loads, _lines(run_export()))}
    for original in RICH:
        out = exported[original["code"]]
        for key, value in original.items():
            if key in ("plaques", "surveys"):
                continue
            if key == "designation" and value is not None:  # a missing key is null, all null none
                full = {k: value.get(k) for k in ("batch", "document", "authority")}
                value = full if any(full.values()) else None
            assert out[key] == value, (original["code"], key)
    assert exported["b-2"]["lat"] == 37.201234567
    assert exported["b-2"]["lon"] == 112.181234567


def test_round_trip_into_an_empty_registry_gives_the_same_bytes(imported, tmp_path):
    first = run_export()
    assert run_export() == first, "deterministic"
    Survey.objects.all().delete()
    Plaque.objects.all().delete()
    Record.objects.update(parent=None)
    Record.objects.all().delete()
    ok, _, err = run_import(write(tmp_path, first.encode("utf-8"), "export.jsonl"))
    assert ok, err
    assert run_export() == first


def test_filters_by_region_scope_and_kind(imported):
    def codes(*args):
        return [json.loads(x)["code"] for x in _lines(run_export(*args))]

    assert codes("--region", "140781") == ["a.1"]
    jinzhong = ["B-1", "B-3", "C-2", "C1", "D-2", "D1", "a.1", "b-2"]
    assert codes("--region", "140700") == jinzhong
    assert codes("--region", "141100") == ["Z_9"]  # Lüliang
    assert codes("--region", "140000") == sorted([*jinzhong, "Z_9"])
    assert codes("--kind", "building") == ["B-1", "B-3", "b-2"]
    assert codes("--region", "110000") == []


def test_unknown_region_is_refused(imported):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a six-digit GB/T 2260 code"):
        run_export("--region", "990000")
    with pytest.raises(CommandError):
        run_export("--region", "14")


def test_csv_has_bom_chinese_headers_and_no_formulas(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(
        city("C1", name="=HYPERLINK(\"http://x\")", address="+1", name_en="@SUM(A1)"),
        city("C2", name="-2+3", lat=-1.5, lon=-2.5),
    )))  # fmt: skip
    assert ok, err
    text = run_export("--format", "csv")
    assert text.startswith("\ufeff编号,类别,名称")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["名称"] == '\'=HYPERLINK("http://x")'
    assert rows[0]["地址"] == "'+1" and rows[0]["英文名称"] == "'@SUM(A1)"
    assert rows[1]["名称"] == "'-2+3"
    assert rows[1]["纬度"] == "-1.5", "numbers are not text cells"
    assert rows[0]["类别"] == "历史文化名城" and rows[0]["状态"] == "已认定"


def test_geojson_holds_the_located_records(imported):
    collection = json.loads(run_export("--format", "geojson"))
    assert collection["type"] == "FeatureCollection"
    points = [f for f in collection["features"] if f["geometry"]["type"] == "Point"]
    features = {f["properties"]["code"]: f for f in points}
    assert sorted(features) == ["B-1", "C1", "b-2"]
    assert features["B-1"]["geometry"] == {"type": "Point", "coordinates": [-73.0, -0.5]}
    zones = [(f["properties"]["code"], f["properties"]["zone"]) for f in collection["features"]
             if f not in points]  # fmt: skip
    assert zones == [("C1", "protection"), ("b-2", "control")]


def test_queries_per_chunk_are_constant(imported, django_assert_num_queries, monkeypatch):
    # The parents' codes; records, plaques, surveys for the one chunk; the empty next chunk.
    with django_assert_num_queries(5):
        run_export()
    # By twos: B-1 B-3 | C-2 C1 | D-2 D1 | Z_9 a.1 | b-2. A chunk without districts or
    # buildings asks for no plaques, one without buildings for no surveys:
    # 1 + 3 + 1 + 2 + 1 + 3 + 1.
    monkeypatch.setattr("registry.exchange.export.CHUNK", 2)
    with django_assert_num_queries(12):
        run_export()


def test_csv_and_geojson_carry_the_list_entry_but_not_the_descriptions(imported):
    text = run_export("--format", "csv")
    rows = {r["编号"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    district_ = rows["D-2"]
    assert district_["建造年代"] == "明末清初" and district_["公布批次"] == "第三批"
    assert district_["公布文号"] == "国发〔1986〕104号" and district_["公布机关"] == "国务院"
    assert (district_["测绘建档"], district_["测绘建档完成日期"]) == ("全面", "2020-10-01")
    assert (rows["B-3"]["公布批次"], rows["B-3"]["测绘建档"]) == ("", "简略")
    assert rows["C1"]["测绘建档"] == "" and rows["C1"]["建造年代"] == ""
    assert "第1段" not in text and "价值特色" not in text.splitlines()[0]
    collection = json.loads(run_export("--format", "geojson"))
    points = [f for f in collection["features"] if f["geometry"]["type"] == "Point"]
    properties = {f["properties"]["code"]: f["properties"] for f in points}
    assert properties["C1"]["designation"] is None and properties["C1"]["era"] is None
