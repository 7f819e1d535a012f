"""A search with kind, level or region filters is asked of the index with filter tokens: the
same records, pages and exact counts as the filters applied as conditions on the records."""

import itertools

import pytest
from django.core.cache import cache

from registry.models import Record
from registry.regionscope import region_q
from registry.search import keys as search_keys
from registry.selectors.records import catalog, search

from .catalog_builders import build_catalog

pytestmark = pytest.mark.django_db

QUERIES = ["祠", "宗祠", "zongci", "zszc", "平遥", "b0001", "j"]
KINDS = [None, "building", "village", "city"]
LEVELS = [None, "municipal", "national"]
REGIONS = [None, "140000", "140700", "140728", "140105", "441900", "110000", "430000"]


@pytest.fixture
def cat():
    return build_catalog()


def _expected(q, kind, level, region) -> list[str]:
    """The filters as plain conditions on the records (what the page did before tokens)."""
    qs = search(catalog(), q)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if region:
        qs = qs.filter(region_q(region))
    return sorted(qs.values_list("code", flat=True))


@pytest.mark.slow
def test_every_combination_finds_what_the_conditions_find(cat, client):
    seen_some = 0
    for q, kind, level, region in itertools.product(QUERIES, KINDS, LEVELS, REGIONS):
        params = {"q": q, "page_size": 100}
        params |= {k: v for k, v in {"kind": kind, "level": level, "region": region}.items() if v}
        cache.clear()  # the anonymous throttle counts in the cache: 672 requests here
        data = client.get("/api/v1/records/", params).json()
        expected = _expected(q, kind, level, region)
        assert data["count"] == len(expected), params
        assert sorted(r["code"] for r in data["results"]) == expected, params
        seen_some += bool(expected)
    assert seen_some > 40  # the grid is not all empty answers


def test_the_search_page_and_its_pages_agree(cat, client):
    response = client.get("/", {"q": "宗祠", "region": "140000", "kind": "building"})
    assert response.context["total"] == 2
    codes = [r.code for r in response.context["records"]]
    assert codes == ["JZ-B-0001", "TY-B-0002"]
    assert client.get("/api/v1/records/", {"q": "宗祠", "region": "140700"}).json()["count"] == 1


@pytest.mark.parametrize("q", ["·kbuilding", "kbuilding", "·r14", "r14", "·lnational"])
def test_no_query_reaches_a_filter_token(cat, client, q):
    assert client.get("/api/v1/records/", {"q": q}).json()["count"] == 0


def test_a_record_moved_is_found_under_its_new_filters(cat, client):
    record = Record.objects.get(code="CS-B-0003")  # 长沙天心阁, Hunan, provincial
    record.region_id, record.level = "140728", "national"
    record.save()  # the signal refreshes its search data, tokens included

    def count(**params):
        return client.get("/api/v1/records/", {"q": "天心阁", **params}).json()["count"]

    assert count(region="430000") == 0 and count(level="provincial") == 0
    assert count(region="140000") == count(level="national", kind="building") == 1


def test_tokens_of_a_record_and_of_a_filter():
    assert search_keys.filter_tokens(kind="building", level="national", region="140728") == [
        "·kbuilding", "·lnational", "·r14", "·r1407", "·r140728",
    ]  # fmt: skip
    assert [search_keys.scope_token(c) for c in ("140000", "140700", "140728", "441900")] == [
        "·r14",
        "·r1407",
        "·r140728",
        "·r4419",
    ]
