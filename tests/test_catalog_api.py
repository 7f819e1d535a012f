"""GET /api/v1/records/ and /api/v1/records/{code}/: every filter with its exact answer,
pagination, the record's public fields, bad parameters, the schema, query budgets."""

import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from registry.api.records import RecordViewSet
from tests.catalog_builders import build_catalog

pytestmark = pytest.mark.django_db
URL = "/api/v1/records/"
ALL = {"HC-140728", "JZ-D-0001", "JZ-B-0001", "TY-B-0002", "CS-B-0003", "BJ-B-0798", "GD-V-0001"}


@pytest.fixture
def client():
    cache.clear()  # the anonymous throttle counts in the cache: none from other tests...
    yield APIClient()
    cache.clear()  # ...and none left for them


@pytest.fixture
def cat():
    return build_catalog()


def codes(client, query: str = "") -> set[str]:
    response = client.get(f"{URL}?page_size=100&{query}")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == len(data["results"])
    return {r["code"] for r in data["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("kind=building", {"JZ-B-0001", "TY-B-0002", "CS-B-0003", "BJ-B-0798"}),
        ("kind=city", {"HC-140728"}),
        ("level=national", {"HC-140728"}),
        ("level=provincial", {"JZ-D-0001", "CS-B-0003"}),
        ("region=140000", {"HC-140728", "JZ-D-0001", "JZ-B-0001", "TY-B-0002"}),
        ("region=140700", {"HC-140728", "JZ-D-0001", "JZ-B-0001"}),
        ("region=140105", {"TY-B-0002"}),
        ("region=440000", {"GD-V-0001"}),
        ("region=110000", {"BJ-B-0798"}),
        ("status=designated", {"HC-140728", "JZ-D-0001", "JZ-B-0001", "BJ-B-0798"}),
        ("status=revoked", {"TY-B-0002"}),
        ("status=candidate", {"CS-B-0003", "GD-V-0001"}),  # never designated; not yet
        ("plaqued=true", {"JZ-B-0001"}),  # removed in 2015; hung only in 2099
        ("plaqued=false", ALL - {"JZ-B-0001"}),
        ("occupancy=vacant", {"JZ-B-0001"}),  # the latest approved survey, not the draft
        ("occupancy=in_use", {"TY-B-0002"}),
        ("occupancy=unknown", {"CS-B-0003", "BJ-B-0798"}),  # a rejected and a future survey
        ("parent=HC-140728", {"JZ-D-0001"}),
        ("parent=JZ-D-0001", {"JZ-B-0001"}),
        ("parent=NONE", set()),
        ("q=宗祠", {"JZ-B-0001", "TY-B-0002", "GD-V-0001"}),
        ("q=宗祠&status=designated", {"JZ-B-0001"}),
        ("q=zongci&region=140000", {"JZ-B-0001", "TY-B-0002"}),
        ("q=zszc&kind=building&plaqued=true&occupancy=vacant", {"JZ-B-0001"}),
        ("q=z&level=municipal&status=revoked", {"TY-B-0002"}),
        ("q=0001&kind=district", {"JZ-D-0001"}),
    ],
)
def test_filters_find_exactly(client, cat, query, expected):
    assert codes(client, query) == expected


def test_each_record_says_its_status_and_state(client, cat):
    rows = {r["code"]: r for r in client.get(f"{URL}?page_size=100").json()["results"]}
    assert {c: r["status"] for c, r in rows.items()} == {
        "HC-140728": "designated", "JZ-D-0001": "designated", "JZ-B-0001": "designated",
        "TY-B-0002": "revoked", "CS-B-0003": "candidate", "BJ-B-0798": "designated",
        "GD-V-0001": "candidate",
    }  # fmt: skip
    assert {c: r["plaqued"] for c, r in rows.items()} == {
        "HC-140728": None, "JZ-D-0001": False, "JZ-B-0001": True, "TY-B-0002": False,
        "CS-B-0003": False, "BJ-B-0798": False, "GD-V-0001": None,
    }  # fmt: skip
    assert {c: r["occupancy"] for c, r in rows.items() if r["occupancy"]} == {
        "JZ-B-0001": "vacant", "TY-B-0002": "in_use", "CS-B-0003": "unknown",
        "BJ-B-0798": "unknown",
    }  # fmt: skip
    assert rows["JZ-B-0001"]["parent"] == "JZ-D-0001"
    assert rows["JZ-B-0001"]["region"] == "140728" and rows["JZ-B-0001"]["region_name"] == "平遥县"
    assert rows["JZ-B-0001"]["url"].endswith("/api/v1/records/JZ-B-0001/")


def test_ordering(client, cat):
    def order(query):
        return [r["code"] for r in client.get(f"{URL}?{query}").json()["results"]]

    assert order("") == sorted(ALL)
    assert order("ordering=-code") == sorted(ALL, reverse=True)
    assert order("status=designated&ordering=designated_on") == [
        "HC-140728", "BJ-B-0798", "JZ-B-0001", "JZ-D-0001",  # 1986, then ties by code
    ]  # fmt: skip
    assert order("status=designated&ordering=-designated_on") == [
        "BJ-B-0798", "JZ-B-0001", "JZ-D-0001", "HC-140728",
    ]  # fmt: skip
    # In pinyin (li3 zhang1 zong1), not in code points (宗 张 李)
    assert order("q=宗祠&ordering=name") == ["TY-B-0002", "JZ-B-0001", "GD-V-0001"]
    assert client.get(f"{URL}?ordering=address").status_code == 400


def test_pagination(client, cat):
    data = client.get(f"{URL}?page_size=3").json()
    assert data["count"] == 7 and len(data["results"]) == 3 and data["previous"] is None
    assert "page=2" in data["next"]
    last = client.get(f"{URL}?page_size=3&page=3").json()
    assert [r["code"] for r in last["results"]] == ["TY-B-0002"] and last["next"] is None
    searched = client.get(f"{URL}?q=宗祠&page_size=2&page=2").json()
    assert searched["count"] == 3 and [r["code"] for r in searched["results"]] == ["TY-B-0002"]
    assert len(client.get(f"{URL}?page_size=1000").json()["results"]) == 7  # capped at 100
    assert client.get(f"{URL}?page=99").status_code == 404
    assert client.get(f"{URL}?page=99999999999999999999999").status_code == 404
    assert client.get(f"{URL}?page=abc").status_code == 404


def test_detail(client, cat):
    data = client.get(f"{URL}JZ-B-0001/").json()
    assert data["name"] == "张氏宗祠" and data["kind"] == "building"
    assert [r["code"] for r in data["region_path"]] == ["140000", "140700", "140728"]
    assert [r["name"] for r in data["region_path"]] == ["山西省", "晋中市", "平遥县"]
    assert data["parent"] == {"code": "JZ-D-0001", "name": "南大街历史文化街区", "kind": "district"}
    assert data["children_count"] == 0
    assert data["plaques"] == [
        {"number": "晋-1", "installed_on": "2010-01-01", "removed_on": None, "hanging": True}
    ]
    assert (data["plaqued"], data["occupancy"], data["condition"]) == (True, "vacant", "poor")
    # Approved surveys only, newest first, public fields only.
    assert data["surveys"] == [
        {"surveyed_on": "2019-05-01", "occupancy": "vacant", "condition": "poor", "use": None},
        {"surveyed_on": "2012-01-01", "occupancy": "in_use", "condition": None, "use": "宗祠"},
    ]
    assert "王工" not in str(data) and "内部" not in str(data)
    assert data["photos"] == [] and data["documents"] == []  # none stored
    city = client.get(f"{URL}HC-140728/").json()
    assert city["children_count"] == 1 and city["plaques"] == [] and city["occupancy"] is None
    district = client.get(f"{URL}JZ-D-0001/").json()
    assert district["plaques"][0]["hanging"] is False and district["plaqued"] is False
    future = client.get(f"{URL}BJ-B-0798/").json()
    assert future["surveys"] == [] and future["occupancy"] == "unknown"
    assert client.get(f"{URL}NOPE-1/").status_code == 404
    assert client.get(f"{URL}bad%20code/").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=%E5%AE%97%00",
        "foo=a%00b",
        "region=%00",
        "parent=%00",
        "region=999999",
        "region=14",
        "region=abcdef",
        "kind=castle",
        "level=%00",
        "status=lost",
        "occupancy=ruined",
        "ordering=%00",
        "page_size=%00",
    ],
)
def test_bad_parameters_are_400(client, cat, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400, response.content


def test_query_budget(client, cat, django_assert_num_queries):
    # A search alone: its count from the index, the page's ids, the page's records.
    with django_assert_num_queries(3):
        assert client.get(f"{URL}?q=宗祠").json()["count"] == 3
    # With filters: is the region known, the index count (for the plan), count, ids, records.
    with django_assert_num_queries(5):
        client.get(f"{URL}?q=zongci&region=140000&plaqued=false&occupancy=in_use")
    with django_assert_num_queries(4):  # + one to check the region is known
        client.get(f"{URL}?kind=building&region=140000&status=designated&ordering=name")
    with django_assert_num_queries(5):  # record, plaques, surveys, photos, documents
        client.get(f"{URL}JZ-B-0001/")


def test_anonymous_clients_are_throttled():
    assert any(isinstance(t, AnonRateThrottle) for t in RecordViewSet().get_throttles())


def test_schema_validates(client):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    params = {p["name"] for p in schema["paths"]["/api/v1/records/"]["get"]["parameters"]}
    assert {"q", "kind", "level", "region", "status", "plaqued", "occupancy", "parent"} <= params
    assert "/api/v1/records/{code}/" in schema["paths"]
    assert client.get("/api/v1/schema/").status_code == 200


def test_the_list_entry_in_the_detail_and_the_list(client, cat, django_assert_num_queries):
    from registry.models import Record

    Record.objects.filter(code="JZ-B-0001").update(
        era="清代", description="第一段\n第二段", description_en="One.\nTwo.",
        designation_batch="第三批", designation_authority="山西省人民政府",
        archive_level="typical", archive_completed_on="2020-05-06",
    )  # fmt: skip
    data = client.get(f"{URL}JZ-B-0001/").json()
    assert data["era"] == "清代"
    assert (data["description"], data["description_en"]) == ("第一段\n第二段", "One.\nTwo.")
    assert data["designation"] == {
        "batch": "第三批", "document": None, "authority": "山西省人民政府"
    }  # fmt: skip
    assert data["archive"] == {"level": "typical", "completed_on": "2020-05-06"}
    city = client.get(f"{URL}HC-140728/").json()
    assert city["designation"] is None and city["archive"] is None and city["era"] is None
    with django_assert_num_queries(3):  # the budget of test_query_budget
        results = client.get(f"{URL}?kind=building&page_size=100").json()["results"]
    item = next(r for r in results if r["code"] == "JZ-B-0001")
    assert item["era"] == "清代" and item["archive"]["level"] == "typical"
    assert item["designation"]["batch"] == "第三批"
    assert "description" not in item and "description_en" not in item  # the detail only
