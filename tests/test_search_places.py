"""Search by traditional or simplified characters, by the region's names and by the English
name (registry/search/keys.py), on both databases; and the name order in pinyin."""

import pytest

from registry.search import keys as search_keys
from registry.selectors.records import catalog, match_count, search
from tests.catalog_builders import make

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    codes = set(search(catalog(), q).values_list("code", flat=True))
    assert match_count(search_keys.query_key(q))[0] == len(codes)  # the index's own count
    return codes


@pytest.fixture
def places():
    make("S-1", "building", "张氏宗祠", name_en="Zhang Family Ancestral Hall")  # 平遥县
    make("T-1", "building", "張氏宗祠", region="370405")  # 台儿庄区, 枣庄市, 山东省
    make("Q-1", "building", "乾隆行宫", region="140105")  # 小店区, 太原市, 山西省
    make("B-1", "building", "北京四合院", region="110105", name_en="Courtyard House")  # 朝阳区


@pytest.mark.parametrize(
    ("q", "codes"),
    [
        # Traditional finds simplified and back; any substring, one character included.
        ("張氏宗祠", {"S-1", "T-1"}),
        ("张氏宗祠", {"S-1", "T-1"}),
        ("張", {"S-1", "T-1"}),
        ("氏宗祠", {"S-1", "T-1"}),
        ("乾隆", {"Q-1"}),  # folded character by character: 乾 is 干 on both sides
        ("乾", {"Q-1"}),
        ("qianlong", {"Q-1"}),  # pinyin from the name as written
        ("zhangshi", {"S-1", "T-1"}),
        # The region's names: county, prefecture, province, whole or from the start.
        ("台儿庄", {"T-1"}),
        ("臺兒莊", {"T-1"}),
        ("台儿庄区", {"T-1"}),
        ("taierzhuang", {"T-1"}),
        ("平遥", {"S-1"}),
        ("平遥县", {"S-1"}),
        ("晋中", {"S-1"}),
        ("山西", {"S-1", "Q-1"}),  # a place search: every record in the province
        ("山西省", {"S-1", "Q-1"}),
        ("山东", {"T-1"}),
        ("北京", {"B-1"}),  # the name and the province (Beijing's districts lie in it)
        ("儿庄", set()),  # place names from their start only
        # The English name, from the start of any word; spaces and case ignored.
        ("ancestral hall", {"S-1"}),
        ("Ancestral", {"S-1"}),
        ("hall", {"S-1"}),
        ("zhang family", {"S-1"}),
        ("courtyard house", {"B-1"}),
        ("house", {"B-1"}),
        ("estral", set()),  # not from inside a word
        ("ancestralhouse", set()),
    ],
)
def test_found_by_either_script_place_and_english_name(places, q, codes):
    assert found(q) == codes


def test_the_query_key_is_the_index_key():
    """One function folds both sides: the query's key of a name is its first key."""
    for name in ["張氏宗祠", "臺兒莊區", "乾隆行宮", "後街"]:
        assert search_keys.query_key(name) == search_keys.name_terms(name).split()[0]
    assert search_keys.query_key("臺兒莊") == "台儿庄"
    assert search_keys.simplified("abc-12") == "abc-12"  # ASCII: no lookup


def test_a_renamed_english_name_is_searched_at_once(places):
    from registry.models import Record

    record = Record.objects.get(code="B-1")
    record.name_en = "Siheyuan"
    record.save()
    assert found("courtyard") == set() and found("siheyuan") == {"B-1"}


def test_api_and_page_search_traditional(places, client):
    codes = [r["code"] for r in client.get("/api/v1/records/?q=張氏").json()["results"]]
    assert codes == ["S-1", "T-1"]
    page = client.get("/", {"q": "台儿庄"})
    assert page.status_code == 200 and page.context["total"] == 1
