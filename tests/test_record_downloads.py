"""The catalog's results as CSV, xlsx and GeoJSON, from the page and the API: the filters
respected, every record once in code order across chunks, cells escaped, queries bounded."""

import csv
import io
import json

import pytest
from django.utils import translation
from openpyxl import load_workbook

from registry import record_downloads
from tests.catalog_builders import build_catalog, make

pytestmark = pytest.mark.django_db
API = "/api/v1/records/download/"


@pytest.fixture
def catalog():
    records = build_catalog()
    records["X-1"] = make("X-1", "building", '=HYPERLINK("http://x")', designated_on=None)
    records["X-2"] = make("X-2", "building", "+1 宗祠", name_en="@SUM(A1)", lat=37.0, lon=112.0)
    return records


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(record_downloads, "CHUNK", 2)


def body(response) -> bytes:
    assert response.status_code == 200, response.content[:500]
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def api_codes(client, query: str) -> list[str]:
    data = client.get(f"/api/v1/records/?page_size=100&{query}").json()
    return sorted(r["code"] for r in data["results"])


@pytest.mark.parametrize(
    "query",
    ["", "kind=building", "region=140000&status=designated", "q=宗祠", "plaqued=false",
     "occupancy=unknown&as_of=2016-01-01", "q=宗祠&kind=building&ordering=name"],
)  # fmt: skip
def test_csv_holds_exactly_the_search_results_in_code_order(client, catalog, small_chunks, query):
    rows = csv_rows(client.get(f"/search/csv/?{query}"))
    codes = [r[0] for r in rows[1:]]
    assert codes == sorted(codes, key=lambda c: c.encode()) and len(set(codes)) == len(codes)
    assert sorted(codes) == api_codes(client, query)
    assert rows == csv_rows(client.get(f"/api/v1/records/download/?format=csv&{query}"))


def test_csv_cells_labels_and_formula_escaping(client, catalog):
    rows = csv_rows(client.get("/search/csv/"))
    header, by_code = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert header == ["编号", "名称", "英文名称", "类别", "保护级别", "行政区划代码", "行政区划",
                      "状态", "认定公布日期", "挂牌", "使用状况", "纬度", "经度"]  # fmt: skip
    assert by_code["X-1"]["名称"] == '\'=HYPERLINK("http://x")'
    assert by_code["X-2"]["名称"] == "'+1 宗祠" and by_code["X-2"]["英文名称"] == "'@SUM(A1)"
    jz = by_code["JZ-B-0001"]
    assert (jz["类别"], jz["保护级别"], jz["状态"], jz["挂牌"], jz["使用状况"]) == (
        "历史建筑", "市县级", "已认定", "是", "空置"
    )  # fmt: skip
    place = (jz["行政区划代码"], jz["行政区划"], jz["认定公布日期"])
    assert place == ("140728", "平遥县", "2010-01-01")
    assert (jz["纬度"], jz["经度"]) == ("37.201", "112.171")
    assert by_code["HC-140728"]["挂牌"] == "" and by_code["CS-B-0003"]["纬度"] == ""
    assert by_code["TY-B-0002"]["状态"] == "已撤销"


def test_csv_as_of_a_past_day(client, catalog):
    rows = csv_rows(client.get("/search/csv/?as_of=2016-01-01"))
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["TY-B-0002"][7] == "已认定"  # revoked in 2020
    assert by_code["JZ-B-0001"][10] == "在用"  # surveyed vacant in 2019 only
    assert by_code["JZ-D-0001"][9] == "否"  # removed in 2015
    assert by_code["GD-V-0001"][7] == "预备名单"


def test_csv_in_english(client, catalog):
    rows = csv_rows(client.get("/search/csv/?kind=building", HTTP_ACCEPT_LANGUAGE="en"))
    with translation.override("en"):
        assert rows[0] == [header for _name, header in record_downloads.columns()]
        building = str(dict(__import__("registry.choices").choices.Kind.choices)["building"])
    assert rows[0][0] != "编号" and {r[3] for r in rows[1:]} == {building}
    # Region names in the reader's language too (Region.name_en), the code beside them.
    zhang = next(r for r in rows[1:] if r[0] == "JZ-B-0001")
    assert zhang[5:7] == ["140728", "Pingyao County"]


def test_xlsx_opens_with_openpyxl_and_keeps_text_as_text(client, catalog, small_chunks):
    for url in ("/search/xlsx/?kind=building", f"{API}?format=xlsx&kind=building"):
        response = client.get(url)
        assert response["Content-Type"] == record_downloads.CONTENT_TYPES["xlsx"]
        assert "attachment" in response["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(body(response))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert sorted(r[0] for r in rows[1:]) == api_codes(client, "kind=building")
        cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
        assert cells["X-1"][1].value == '=HYPERLINK("http://x")'
        assert cells["X-1"][1].data_type == "s"  # text, never a formula
        assert cells["JZ-B-0001"][11].value == 37.201


def test_geojson_is_a_feature_collection_of_points(client, catalog, small_chunks):
    for url in ("/search/geojson/?q=宗祠", "/api/v1/records/download/?format=geojson&q=宗祠"):
        response = client.get(url)
        assert response["Content-Type"] == "application/geo+json"
        data = json.loads(body(response))
        assert data["type"] == "FeatureCollection"
        features = {f["properties"]["code"]: f for f in data["features"]}
        with_coordinates = [c for c in api_codes(client, "q=宗祠") if catalog[c].lat is not None]
        assert sorted(features) == with_coordinates
        jz = features["JZ-B-0001"]
        assert jz["type"] == "Feature"
        assert jz["geometry"] == {"type": "Point", "coordinates": [112.171, 37.201]}
        assert jz["properties"] == {
            "code": "JZ-B-0001", "name": "张氏宗祠", "kind": "building", "level": "municipal",
            "region": "140728",
        }  # fmt: skip


def test_empty_results(client, catalog):
    assert json.loads(body(client.get("/search/geojson/?q=不存在的名字"))) == {
        "type": "FeatureCollection", "features": []
    }  # fmt: skip
    assert csv_rows(client.get("/search/csv/?q=不存在的名字"))[1:] == []


@pytest.mark.parametrize("fmt", record_downloads.FORMATS)
def test_queries_grow_with_chunks_not_rows(client, catalog, small_chunks, fmt,
                                           django_assert_max_num_queries):  # fmt: skip
    for n in range(20):
        make(f"Z-{n:02}", "building", f"楼{n}", designated_on=catalog["JZ-B-0001"].designated_on,
             lat=30.0, lon=110.0)  # fmt: skip
    # 29 records, 2 a chunk: 15 chunks; a query a chunk, and a few for the request.
    with django_assert_max_num_queries(15 + 6):
        body(client.get(f"/search/{fmt}/"))


def test_bad_requests(client, catalog):
    assert client.get("/search/csv/?region=999999").status_code == 400
    response = client.get("/api/v1/records/download/?format=csv&as_of=2016-1-1")
    assert response.status_code == 400 and "as_of" in response.json()
    response = client.get("/api/v1/records/download/?format=pdf")
    assert response.status_code == 400 and "geojson" in response.json()["format"][0]
    assert client.get("/search/pdf/").status_code == 404


def test_xlsx_refuses_more_rows_than_a_sheet_holds(client, catalog, monkeypatch):
    monkeypatch.setattr(record_downloads, "XLSX_MAX_ROWS", 3)
    response = client.get("/search/xlsx/")
    assert response.status_code == 400 and "CSV" in response.content.decode()
    assert client.get("/search/xlsx/?kind=district").status_code == 200


def test_page_links_carry_the_filters_and_the_schema_documents_the_download(client, catalog):
    html = client.get("/?q=宗祠&kind=building&page=2&ordering=name").content.decode()
    for fmt in record_downloads.FORMATS:
        assert f'href="/search/{fmt}/?q=%E5%AE%97%E7%A5%A0&amp;kind=building"' in html
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    download = schema["paths"]["/api/v1/records/download/"]["get"]
    assert {p["name"] for p in download["parameters"]} >= {"format", "q", "as_of", "archived"}
    assert set(download["responses"]["200"]["content"]) == {
        "text/csv", record_downloads.CONTENT_TYPES["xlsx"], "application/geo+json"
    }  # fmt: skip


def test_the_api_list_shows_the_state_as_of_the_filters_day(client, catalog):
    rows = client.get("/api/v1/records/?as_of=2016-01-01&kind=building").json()["results"]
    by_code = {r["code"]: r for r in rows}
    assert by_code["TY-B-0002"]["status"] == "designated"  # revoked in 2020
    assert by_code["JZ-B-0001"]["occupancy"] == "in_use"  # vacant from 2019
    today = {r["code"]: r for r in client.get("/api/v1/records/").json()["results"]}
    assert today["TY-B-0002"]["status"] == "revoked" and today["JZ-B-0001"]["occupancy"] == "vacant"


def test_downloads_spend_the_anonymous_allowance(client, catalog, monkeypatch):
    """Heavy requests, counted as every page and API request is (registry/throttling.py)."""
    from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 1_000_000.0))
    rates = {"anon": "2/minute", "downloads": "100/hour"}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    assert client.get("/search/csv/").status_code == 200
    assert client.get(f"{API}?format=geojson").status_code == 200
    assert client.get("/search/xlsx/").status_code == 429
    assert client.get(f"{API}?format=csv").status_code == 429


def test_downloads_have_an_allowance_of_their_own(client, catalog, monkeypatch, django_user_model):
    """The heaviest anonymous request: a tighter count than pages (HERITAGE_DOWNLOAD_RATE), one
    count for the page's and the API's downloads; pages stay available; staff are not counted."""
    from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 1_000_000.0))
    rates = {"anon": "600/minute", "downloads": "2/hour"}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    assert client.get("/search/csv/").status_code == 200
    assert client.get(f"{API}?format=geojson").status_code == 200
    refused = client.get("/search/xlsx/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert client.get(f"{API}?format=csv").status_code == 429
    assert client.get("/").status_code == 200
    assert client.get(API.replace("download/", "")).status_code == 200
    client.force_login(django_user_model.objects.create_user("officer", is_staff=True))
    assert client.get("/search/csv/").status_code == 200


def test_a_control_character_in_a_name_does_not_break_the_xlsx(client, catalog):
    """Only NUL is refused in text; XML 1.0 cannot hold the other C0 controls, and openpyxl
    would raise once most of the file had been built. They read as U+FFFD in the sheet."""
    from registry.models import Record

    Record.objects.filter(code="JZ-B-0001").update(name="张氏\x1b宗祠")
    response = client.get("/search/xlsx/?kind=building")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(body(response))).active.iter_rows(values_only=True))
    assert "张氏\ufffd宗祠" in {row[1] for row in rows}
