"""Browsing the catalog: facets down to prefecture and county, region filters by name, the
name order in pinyin, and a record's address in the wrong case."""

import pytest
from django.core.cache import cache
from django.db import connection

from registry.models import Record
from tests.catalog_builders import build_catalog, make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def unthrottled():
    cache.clear()
    yield
    cache.clear()


def facet(response, name) -> dict:
    found = [f for f in response.context["facets"] if f["name"] == name]
    return {o["label"]: o["count"] for o in found[0]["options"]} if found else {}


def names(response) -> list[str]:
    return [r.name for r in response.context["records"]]


@pytest.fixture
def shanxi():
    build_catalog()  # 平遥县 (140728) x3, 太原 小店区 (140105) x1, and other provinces
    make("X-1", "building", "晋祠", region="140106")  # 太原 迎泽区
    make("X-2", "building", "大院", region="140700")  # the prefecture itself


def test_a_province_facets_its_prefectures_with_names_and_counts(client, shanxi):
    response = client.get("/", {"region": "140000"})
    assert facet(response, "subregion") == {"太原市": 2, "晋中市": 4}
    sub = next(f for f in response.context["facets"] if f["name"] == "subregion")
    assert sub["title"] == "山西省"
    assert {o["url"] for o in sub["options"]} == {"?region=140100", "?region=140700"}
    assert [(f["label"], f["value"]) for f in response.context["active"]] == [
        ("行政区划", "山西省")
    ]


def test_a_prefecture_facets_its_counties(client, shanxi):
    response = client.get("/", {"region": "140700", "kind": "building"})
    assert facet(response, "subregion") == {"平遥县": 1}  # 大院 is of the prefecture itself
    response = client.get("/", {"region": "140100", "q": "祠"})
    assert facet(response, "subregion") == {"小店区": 1, "迎泽区": 1}
    assert response.context["active"][0]["value"] == "山西省 · 太原市"


def test_beijing_facets_its_districts(client, shanxi):
    assert facet(client.get("/", {"region": "110000"}), "subregion") == {"朝阳区": 1}


def test_a_county_filter_shows_names_never_the_code(client, shanxi):
    response = client.get("/", {"region": "140728"})
    assert response.context["active"][0]["value"] == "山西省 · 晋中市 · 平遥县"
    assert facet(response, "subregion") == {}  # no region under a county
    html = response.content.decode()
    shown = html.split('class="active-filters"')[1].split("</ul>")[0]
    assert "山西省 · 晋中市 · 平遥县" in shown and "140728" not in shown


def test_no_region_no_subregion_facet(client, shanxi):
    assert facet(client.get("/"), "subregion") == {}


def test_uncounted_pages_still_offer_the_regions(client, shanxi, monkeypatch):
    from registry.views import catalog

    monkeypatch.setattr(catalog, "FACET_MAX", 1)
    subregions = facet(client.get("/", {"region": "140000"}), "subregion")
    assert len(subregions) == 11 and set(subregions.values()) == {None}


def test_region_facet_query_budget(client, shanxi, django_assert_num_queries):
    # provinces, ids, count (no search), records, the facets' GROUP BY, then the region
    # facet: the names of the chosen region, the child regions, their GROUP BY
    with django_assert_num_queries(9):
        client.get("/", {"region": "140000", "status": "designated"})


# --- The name order -------------------------------------------------------------------------


@pytest.fixture
def abc():
    # Code points: 张 (U+5F20) < 昂 (U+6602) < 白 (U+767D) < 阿 (U+963F). Pinyin: 阿 a1 <
    # 安 an1 < 昂 ang2 < 白 bai2 < z e t a < 张 zhang1 (letters one by one).
    names = ["张家大院", "阿城", "白塔", "昂昂溪", "安澜桥", "Zeta", "1号院"]
    for n, name in enumerate(names):
        make(f"O-{n}", "building", name, region="110105")


PINYIN_ORDER = ["1号院", "阿城", "安澜桥", "昂昂溪", "白塔", "Zeta", "张家大院"]


def test_name_order_is_pinyin_not_code_points(client, abc):
    assert sorted(PINYIN_ORDER) != PINYIN_ORDER  # code points would give another order
    assert names(client.get("/", {"ordering": "name"})) == PINYIN_ORDER
    assert names(client.get("/", {"ordering": "-name"})) == PINYIN_ORDER[::-1]
    api = client.get("/api/v1/records/", {"ordering": "name"}).json()
    assert [r["name"] for r in api["results"]] == PINYIN_ORDER and api["count"] == 7


def test_name_order_with_a_search_and_filters(client, abc):
    assert names(client.get("/", {"ordering": "name", "q": "an"})) == ["安澜桥", "昂昂溪"]
    response = client.get("/", {"ordering": "name", "region": "110000", "kind": "building"})
    assert names(response) == PINYIN_ORDER and response.context["total"] == 7


def test_a_search_in_name_order_is_still_counted_on_the_index(
    client, abc, django_assert_num_queries
):
    # provinces, the index count, ids, records, facets: as in code order
    with django_assert_num_queries(5):
        response = client.get("/", {"ordering": "name", "q": "an"})
    assert response.context["total"] == 2


def test_the_name_order_is_counted_without_the_search_rows(client, abc):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as queries:
        response = client.get("/api/v1/records/", {"ordering": "name", "kind": "building"})
    assert response.json()["count"] == 7
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("searchdoc" not in sql for sql in counts), counts


def test_the_first_page_in_name_order_walks_the_sort_index(abc):
    from registry.filtersets import RecordFilterSet
    from registry.selectors.records import catalog

    qs = RecordFilterSet({"ordering": "name"}, queryset=catalog().order_by("code")).qs
    sql, params = qs.values_list("pk", flat=True)[:20].query.sql_with_params()
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("ANALYZE")
            cur.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(row[-1] for row in cur.fetchall())
            assert "searchdoc_sort_key" in plan and "TEMP B-TREE" not in plan, plan
        else:
            # A 7-row table: whether the plan can walk the index, not what it costs here.
            off = ("enable_seqscan", "enable_sort", "enable_bitmapscan", "enable_hashjoin")
            for name in off:
                cur.execute(f"SET {name} = off")
            cur.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cur.fetchall())
            for name in off:
                cur.execute(f"RESET {name}")
            assert "searchdoc_sort_key" in plan and "Sort" not in plan, plan


# --- A code in the wrong case ---------------------------------------------------------------


def test_a_code_in_the_wrong_case_redirects_to_the_record(client, django_assert_num_queries):
    build_catalog()
    with django_assert_num_queries(2):  # the record by its code, then by UPPER(code)
        response = client.get("/records/hc-140728/")
    assert response.status_code == 301 and response["Location"] == "/records/HC-140728/"
    assert client.get("/records/Jz-b-0001/")["Location"] == "/records/JZ-B-0001/"
    assert client.get("/records/HC-140728/").status_code == 200
    assert client.get("/records/hc-999999/").status_code == 404


def test_two_codes_equal_but_for_case_are_a_404(client):
    make("ab-1", "building", "甲")
    make("AB-1", "building", "乙")
    assert client.get("/records/Ab-1/").status_code == 404
    assert client.get("/records/ab-1/").status_code == 200


def test_the_case_lookup_uses_its_index():
    from registry.selectors.records import canonical_code

    make("HC-1", "city", "甲")
    assert canonical_code("hc-1") == "HC-1"
    qs = (
        Record.objects.alias(upper=__import__("django").db.models.functions.Upper("code"))
        .filter(upper="HC-1")
        .values_list("code", flat=True)[:2]
    )
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(row[-1] for row in cur.fetchall())
        else:
            cur.execute("SET enable_seqscan = off")
            cur.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cur.fetchall())
            cur.execute("RESET enable_seqscan")
    assert "record_code_upper" in plan, plan
