"""The admin's record search asks the index for the user's regions and the kind, level and
region filters too (registry/selectors/folded_search.py), and counts on the index when nothing
else is left: the same counts and rows as the plain conditions on the records, for every user."""

import itertools

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.db.models import Q
from django.db.models.sql.where import AND, OR, WhereNode
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry import permissions
from registry.models import Record
from registry.regionscope import region_q
from registry.selectors import folded_search
from registry.selectors.records import SearchMatch, and_terms, catalog, search

from . import workflow_builders
from .catalog_builders import PAST, build_catalog, make

pytestmark = pytest.mark.django_db

QUERIES = ["宗祠", "祠", "zongci", "平遥", "JZ-B-0001", "=JZ-B-0001", "无此名", "j"]
KINDS = [None, "building", "district"]
LEVELS = [None, "municipal"]
REGIONS = [None, "140000", "140728", "430000"]
STATUSES = [None, "designated"]
PER_PAGE = 2
URL = "/admin/registry/record/"


@pytest.fixture
def cat():
    records = build_catalog()
    more = [
        ("JZ-B-0002", "building", "王氏宗祠", "140702", "municipal"),
        ("CS-B-0004", "building", "刘氏宗祠", "430102", "national"),
        ("CS-D-0001", "district", "宗祠街", "430103", "provincial"),
        ("TY-B-0003", "building", "赵家祠堂", "140105", "municipal"),
        ("HN-V-0002", "village", "宗祠坪村", "431002", "municipal"),
    ]
    for code, kind, name, region, level in more:
        records[code] = make(code, kind, name, region=region, level=level, designated_on=PAST)
    return records


def user(name: str, role: str | None = None, regions=(), superuser=False):
    return workflow_builders.user(name, role, regions, superuser, password=None)


@pytest.fixture
def users(cat):
    superuser = user("root", superuser=True, regions=())
    return {
        "superuser": superuser,
        "province": user("shanxi", "surveyor", regions=("140000",)),
        "two regions": user("two", "surveyor", regions=("140700", "430000")),
        "county": user("pingyao", "reviewer", regions=("140728",)),
        "no region": user("nowhere", "surveyor", regions=()),
    }


def _params(q, kind=None, level=None, region=None, status=None, page=None) -> dict:
    given = {"q": q, "kind__exact": kind, "level__exact": level, "region": region,
             "status": status, "p": page}  # fmt: skip
    return {name: value for name, value in given.items() if value is not None}


def _changelist(person, params):
    """The admin's own ChangeList for `person` (the queryset, count and page it shows)."""
    request = RequestFactory().get(URL, params)
    request.user = person
    return site._registry[Record].get_changelist_instance(request)


def _expected(person, q, kind=None, level=None, region=None, status=None):
    """The plain answer: the user's scope and each filter as conditions on the records, the
    search by its key alone (the admin's search before it asked the index for more)."""
    qs = permissions.restrict(Record.objects.all(), person)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if region:
        qs = qs.filter(region_q(region))
    if status:
        qs = qs.with_status(status, timezone.localdate())
    return list(search(qs, q).order_by("code").values_list("code", flat=True))


@pytest.mark.slow
def test_every_user_and_filter_counts_and_lists_what_the_conditions_find(users, monkeypatch):
    monkeypatch.setattr(site._registry[Record], "list_per_page", PER_PAGE)
    seen_some = 0
    grid = itertools.product(users.items(), QUERIES, KINDS, LEVELS, REGIONS, STATUSES)
    for (who, person), q, kind, level, region, status in grid:
        expected = _expected(person, q, kind, level, region, status)
        pages = range(max(1, -(-len(expected) // PER_PAGE)))
        for page in pages:
            cl = _changelist(person, _params(q, kind, level, region, status, page + 1))
            context = (who, q, kind, level, region, status, page)
            assert cl.result_count == len(expected), context
            shown = expected[page * PER_PAGE : (page + 1) * PER_PAGE]
            assert [r.code for r in cl.result_list] == shown, context
        seen_some += bool(expected)
    assert seen_some > 150  # the grid is not all empty answers


def _counted_on_records(queries) -> bool:
    return any('COUNT(*) AS "__count"' in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize(
    "who, params, expected, on_index",
    [
        ("superuser", {"q": "宗祠"}, {}, True),
        ("superuser", {"q": "宗祠", "kind__exact": "building", "region": "140000"},
         {"kind": "building", "region": "140000"}, True),
        ("superuser", {"q": "宗祠", "level__exact": "municipal", "region": "140728"},
         {"level": "municipal", "region": "140728"}, True),
        ("province", {"q": "宗祠"}, {}, True),
        ("two regions", {"q": "宗祠", "kind__exact": "building"}, {"kind": "building"}, True),
        ("county", {"q": "无此名"}, {}, True),
        ("superuser", {"q": "宗祠", "kind": "building"}, {"kind": "building"}, True),  # in the URL
        ("superuser", {"q": "宗祠", "status": "designated"}, {"status": "designated"}, False),
        ("superuser", {"q": "宗祠", "kind__iexact": "BUILDING"}, {"kind": "building"}, False),
        ("province", {"q": "宗祠", "region": "14"}, {}, True),  # not a code: the filter ignores it
        ("no region", {"q": "宗祠"}, {}, False),
    ],
)  # fmt: skip
def test_counted_on_the_index_when_nothing_else_is_left(users, who, params, expected, on_index):
    """Read from the index when the search is all that is left once the user's regions and
    the kind, level and region filters are asked of it; from the records otherwise (a user
    with no regions: nothing to count, no query). Exact either way."""
    with CaptureQueriesContext(connection) as queries:
        cl = _changelist(users[who], params)
    assert _counted_on_records(queries) is (not on_index and who != "no region")
    assert cl.result_count == len(_expected(users[who], params["q"], **expected))


def test_the_page_shows_the_exact_count_for_a_scoped_user(client, users):
    client.force_login(users["two regions"])
    response = client.get(URL, {"q": "宗祠"})
    cl = response.context["cl"]
    expected = ["CS-B-0004", "CS-D-0001", "HN-V-0002", "JZ-B-0001", "JZ-B-0002"]
    assert cl.result_count == len(expected)
    assert [r.code for r in cl.result_list] == expected
    assert "TY-B-0002" not in response.content.decode()  # 李氏宗祠, Taiyuan: not theirs


@pytest.mark.parametrize(
    "who, params, budget",
    [
        # session, user, provinces of the region filter, the index count, the page
        ("superuser", {"q": "宗祠"}, 5),
        ("superuser", {"q": "宗祠", "kind__exact": "building", "region": "140000"}, 5),
        # ... and the user's roles and regions, and Django's permissions (user's, groups')
        ("two regions", {"q": "宗祠", "level__exact": "municipal"}, 9),
        # a status is a condition on the records: counted there, no index count
        ("superuser", {"q": "宗祠", "status": "designated"}, 5),
    ],
)
def test_query_budget(client, users, django_assert_num_queries, who, params, budget):
    client.force_login(users[who])
    with django_assert_num_queries(budget):
        assert client.get(URL, params).status_code == 200


def test_facets_with_a_search_count_each_kind_exactly(admin_client, cat):
    response = admin_client.get(URL, {"q": "宗祠", "region": "140000", "_facets": "1"})
    html = response.content.decode()
    matches = search(Record.objects.filter(region_q("140000")), "宗祠")
    for kind, label in (("building", "历史建筑"), ("district", "历史文化街区")):
        assert f"{label} ({matches.filter(kind=kind).count()})" in html


def test_only_what_a_token_says_exactly_is_asked_of_the_index():
    def fold(queryset):
        query = queryset.query
        kept, tokens = folded_search.fold(and_terms(query.where), "registry_record")
        return len(kept), tokens

    records = Record.objects
    assert fold(records.filter(kind="district", level="national")) == (
        0, ["·kdistrict", "·lnational"],
    )  # fmt: skip
    assert fold(records.filter(region_q("140000"), region_q("140728"))) == (0, ["·r14", "·r140728"])
    either = records.filter(region_q("140700") | region_q("430000"))
    assert fold(either) == (0, [("·r1407", "·r43")])
    assert fold(records.filter(region_id__gte="140000", region_id__lte="140099")) == (0, ["·r1400"])
    # Kept: other values, ranges that are no prefix, one bound, other lookups and tables.
    assert fold(records.filter(kind="temple")) == (1, [])
    assert fold(records.filter(region_id__gte="140000", region_id__lte="140500")) == (2, [])
    assert fold(records.filter(region_id__gte="140000")) == (1, [])
    assert fold(records.exclude(kind="district")) == (1, [])
    assert fold(records.filter(kind__iexact="district")) == (1, [])
    assert fold(records.filter(parent__kind="district")) == (1, [])
    mixed = records.filter(region_q("140000") | region_q("140000", field="parent__region_id"))
    assert fold(mixed) == (1, [])


def test_one_walk_of_the_where_tree_for_the_catalog_and_the_admin():
    """and_terms is what both the catalog's count (is the search alone?) and the admin's fold
    read: plain ANDs flattened, negations and ORs of two or more kept whole, a search as its
    SearchMatch."""

    def terms(queryset):
        return and_terms(queryset.query.where)

    records = Record.objects
    assert len(terms(records.filter(kind="building").filter(level="national", name="x"))) == 3
    assert len(terms(records.filter(Q(kind="building") | Q(level="national")))) == 1
    assert len(terms(records.exclude(kind="building", level="national"))) == 1
    assert terms(records.all()) == []
    [match, kind] = terms(search(catalog(), "宗祠").filter(kind="building"))
    assert isinstance(match, SearchMatch) and match.key == "宗祠"
    assert kind.lhs.target.name == "kind"
    # Built by hand: an OR of one child is the child; an empty OR matches everything.
    lookup = terms(records.filter(kind="building"))[0]
    assert and_terms(WhereNode([WhereNode([lookup], OR)], AND)) == [lookup]
    assert and_terms(WhereNode([WhereNode([], OR), lookup], AND)) == [lookup]


def test_the_admin_search_of_a_searched_queryset_finds_what_both_find(cat):
    """A SearchMatch already in the queryset is kept as a condition (the walk gives it
    unwrapped): both searches apply, and the count reads the records."""
    once = folded_search.search(Record.objects.filter(region_q("140000")), "宗祠")
    twice = folded_search.search(once, "zhang")
    expected = {
        r.code for r in Record.objects.filter(region_q("140000")) if "宗祠" in r.name
    } & set(search(catalog(), "zhang").values_list("code", flat=True))
    assert expected and expected != set(once.values_list("code", flat=True))
    assert set(twice.values_list("code", flat=True)) == expected
    with CaptureQueriesContext(connection) as queries:
        assert twice.count() == len(expected)
    assert "COUNT" in queries[0]["sql"].upper() and "registry_record" in queries[0]["sql"]
