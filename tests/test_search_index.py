"""The search data: its keys, the exact answers of every search mode on both databases, and
that it stays current on every write path."""

import random

import pytest
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from pypinyin import lazy_pinyin

from registry.models import Record, SearchDoc
from registry.search import keys as search_keys
from registry.selectors.records import (
    SearchMatch,
    and_terms,
    catalog,
    match_count,
    plan_search,
    search,
)
from registry.services import search_index
from tests.catalog_builders import build_catalog, make

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    return set(search(catalog(), q).values_list("code", flat=True))


@pytest.fixture
def cat():
    return build_catalog()


@pytest.fixture(autouse=True)
def unthrottled():
    """Some tests here call the API many times: the anonymous throttle counts in the cache,
    and its count must not run over into other tests."""
    cache.clear()
    yield
    cache.clear()


def test_keys_of_a_record():
    keys = search_keys.record_terms("张氏宗祠", "JZ-B-0001").split()
    assert keys == [
        "张氏宗祠", "氏宗祠", "宗祠", "祠",
        "zhangshizongci", "shizongci", "zongci", "ci",
        "zszc", "szc", "zc",
        "jzb0001", "b0001", "0001",
    ]  # fmt: skip


def test_pinyin_is_read_in_context():
    assert search_keys.record_terms("长沙天心阁", "X").split()[5] == "changshatianxinge"
    assert "chongqing" in search_keys.record_terms("重庆", "X").split()
    assert "lvdao" in search_keys.record_terms("绿岛", "X").split()


@pytest.mark.parametrize(
    ("q", "codes"),
    [
        # Chinese: any substring of the name, one character included.
        ("宗祠", {"JZ-B-0001", "TY-B-0002", "GD-V-0001"}),
        ("祠", {"JZ-B-0001", "TY-B-0002", "GD-V-0001"}),
        ("张氏宗祠", {"JZ-B-0001"}),
        ("氏宗", {"JZ-B-0001", "TY-B-0002"}),
        ("大街", {"JZ-D-0001"}),
        ("天心", {"CS-B-0003"}),
        ("宗祠村", {"GD-V-0001"}),
        ("宗祠堂", set()),
        # Full pinyin, from a syllable on; a syllable may be left unfinished.
        ("zongci", {"JZ-B-0001", "TY-B-0002", "GD-V-0001"}),
        ("zhangshizongci", {"JZ-B-0001"}),
        ("zongc", {"JZ-B-0001", "TY-B-0002", "GD-V-0001"}),
        ("ongci", set()),  # starts inside a syllable
        ("changsha", {"CS-B-0003"}),  # 长 read in context, not zhang
        ("pingyao", {"HC-140728", "JZ-D-0001", "JZ-B-0001"}),  # 平遥 and its county, 平遥县
        ("ZongCi", {"JZ-B-0001", "TY-B-0002", "GD-V-0001"}),
        ("zong ci", {"JZ-B-0001", "TY-B-0002", "GD-V-0001"}),
        # Initials: any run of them.
        ("zszc", {"JZ-B-0001"}),
        ("lszc", {"TY-B-0002"}),
        ("szc", {"JZ-B-0001", "TY-B-0002"}),
        ("cstxg", {"CS-B-0003"}),
        ("py", {"HC-140728"}),
        # Codes, from the start of any of their parts; punctuation ignored.
        ("JZ-B-0001", {"JZ-B-0001"}),
        ("jzb0001", {"JZ-B-0001"}),
        ("b-0001", {"JZ-B-0001"}),
        ("0001", {"JZ-B-0001", "JZ-D-0001", "GD-V-0001"}),
        ("140728", {"HC-140728"}),
        ("40728", set()),  # inside a part
        # Letters and digits in the name itself.
        ("798", {"BJ-B-0798"}),
        ("yishu", {"BJ-B-0798"}),
        ("Z", {"JZ-B-0001", "TY-B-0002", "GD-V-0001"}),  # zhang, zong: no code part starts z
        ("c", {"JZ-B-0001", "TY-B-0002", "GD-V-0001", "CS-B-0003", "BJ-B-0798"}),
        ("没有", set()),
    ],
)
def test_every_search_mode_finds_exactly(cat, q, codes):
    assert found(q) == codes
    assert match_count(search_keys.query_key(q))[0] == len(codes)


@pytest.mark.parametrize("q", ["", "   ", "·—！", None])
def test_nothing_searchable_is_no_filter(cat, q):
    assert found(q) == set(cat)


def test_z_matches_what_a_naive_reading_says(cat):
    """Cross-check on random names against a direct reading of the rules."""
    rng = random.Random(7)
    chars = "张王李氏宗祠大街古城长沙重庆银行旧址天心阁村镇厦门"
    records = [
        make(f"R-{i}", "building", "".join(rng.choice(chars) for _ in range(rng.randint(1, 7))))
        for i in range(60)
    ]
    for q in ["宗", "氏宗", "zong", "zhang", "chang", "xiamen", "zs", "yh", "gu", "r1", "5"]:
        expected = set()
        key = search_keys.normalize(q)
        for rec in records:
            pinyin = lazy_pinyin(rec.name)
            initials = "".join(p[0] for p in pinyin)
            parts = ["r", rec.code[2:]]
            if (
                key in rec.name
                or any("".join(pinyin[i:]).startswith(key) for i in range(len(pinyin)))
                or key in initials
                or any("".join(parts[i:]).startswith(key) for i in range(len(parts)))
            ):
                expected.add(rec.code)
        assert found(q) - set(cat) == expected, q


def test_saves_renames_and_deletes_keep_the_index_current(cat):
    rec = cat["JZ-B-0001"]
    rec.name = "张家祠堂"
    rec.save()
    assert "JZ-B-0001" not in found("宗祠") and "JZ-B-0001" in found("祠堂")
    assert found("zjct") == {"JZ-B-0001"}
    new = make("NEW-1", "building", "新建宗祠", region="110101")
    assert "NEW-1" in found("xinjian")
    pk = new.pk
    new.delete()
    assert "NEW-1" not in found("xinjian")
    assert not SearchDoc.objects.filter(record_id=pk).exists()


def test_refresh_after_writes_that_send_no_signals(cat):
    Record.objects.filter(code="TY-B-0002").update(name="李家大院")  # no signal
    assert "TY-B-0002" in found("宗祠")  # stale until refreshed
    search_index.refresh(records=Record.objects.filter(code="TY-B-0002"))
    assert "TY-B-0002" not in found("宗祠") and found("ljdy") == {"TY-B-0002"}
    with connection.cursor() as cur:
        sql = f"UPDATE {Record._meta.db_table} SET name = %s WHERE code = %s"
        cur.execute(sql, ["王氏宗祠", "CS-B-0003"])
    search_index.refresh(records=[cat["CS-B-0003"].pk])
    assert found("wangshi") == {"CS-B-0003"}
    Record.objects.filter(code="BJ-B-0798").update(name="首钢旧址")
    search_index.refresh()  # everything
    assert found("shougang") == {"BJ-B-0798"} and found("798") == set()
    assert SearchDoc.objects.count() == Record.objects.count()
    assert match_count("zongci")[0] == len(found("zongci")) == 3


def test_refresh_works_in_batches(cat, monkeypatch):
    monkeypatch.setattr(search_index, "BATCH", 2)
    search_index.refresh()
    assert found("宗祠") == {"JZ-B-0001", "TY-B-0002", "GD-V-0001"}
    search_index.refresh(records=Record.objects.filter(kind="building"))
    assert found("0001") == {"JZ-B-0001", "JZ-D-0001", "GD-V-0001"}
    assert SearchDoc.objects.count() == len(cat)


@pytest.mark.parametrize("walk_min", [0, 10**9])
@pytest.mark.parametrize("dense", [1, 10**9])
def test_every_page_plan_gives_the_same_pages(cat, client, monkeypatch, walk_min, dense):
    """The three SQL forms of a search (look up every match, walk probing the index, walk
    against the copied matches) are only plans: the same records on every page."""
    from registry.selectors import records

    monkeypatch.setattr(records, "WALK_MIN", walk_min)
    monkeypatch.setattr(records, "DENSE", dense)
    for q in ["祠", "宗祠", "zongci", "c", "0001"]:
        for extra in ["", "&kind=building", "&ordering=-code"]:
            url = f"/api/v1/records/?q={q}{extra}&page_size=2&page="
            pages = [client.get(f"{url}{n}").json().get("results", []) for n in (1, 2, 3)]
            everything = sorted(search(catalog(), q).values_list("code", flat=True))
            if "kind" in extra:
                everything = [c for c in everything if c[3] == "B"]
            if "-code" in extra:
                everything.reverse()
            assert [r["code"] for page in pages for r in page] == everything, (q, extra)


def test_a_planned_search_is_shared_by_every_clone(cat, django_assert_num_queries):
    """SearchMatch.total, set by plan_search, rides on the expression object: WhereNode.clone()
    shares lookups, so the querysets the paginator, .count() and slicing derive (and one made
    before the plan) hold that same SearchMatch. If a Django upgrade copies lookups on clone,
    the identity checks fail here first, before the search quietly counts by reading records."""
    built = search(catalog(), "宗祠").order_by("code")
    early = built.values_list("pk", flat=True)  # a clone made before the plan
    planned = plan_search(built)
    [match] = and_terms(planned.query.where)
    assert isinstance(match, SearchMatch) and match.total == 3
    copies = {
        "before the plan": early,
        "all()": planned.all(),
        "values_list()": planned.values_list("pk", flat=True),
        "order_by()": planned.order_by("-code"),
        "a page slice": planned.values_list("pk", flat=True)[1:2],
        "filter() more": planned.filter(kind="building"),
    }
    for name, derived in copies.items():
        assert and_terms(derived.query.where)[0] is match, name
    # The paginator's count is the planned total: answered without a query.
    paginator = Paginator(planned.values_list("pk", flat=True), 2)
    with django_assert_num_queries(0):
        assert paginator.count == 3
        assert early.count() == 3
    with django_assert_num_queries(1):
        page = list(paginator.page(2).object_list)
    assert page == list(planned.values_list("pk", flat=True))[2:]
    # With another condition the records are counted (one query), and counted right.
    with django_assert_num_queries(1):
        assert copies["filter() more"].count() == 2
