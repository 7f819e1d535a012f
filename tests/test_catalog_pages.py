"""The search page (/), the record page (/records/<code>/) and the map's data: what they show,
bad parameters, no external requests, a fixed number of queries."""

import re

import pytest
from django.core.management import call_command

from registry.views import catalog as views
from tests.catalog_builders import build_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat():
    return build_catalog()


NAME = re.compile(r'class="result__name"><a href="[^"]+">([^<]+)</a>')


def names(response) -> list[str]:
    return NAME.findall(response.content.decode())


def facet(response, name: str) -> dict[str, int]:
    return {
        option["label"]: option["count"]
        for f in response.context["facets"]
        if f["name"] == name
        for option in f["options"]
    }


def test_search_page_lists_counts_and_links(client, cat):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["total"] == 7
    assert len(names(response)) == 7
    assert facet(response, "kind") == {
        "历史文化名城": 1, "历史文化名村": 1, "历史文化街区": 1, "历史建筑": 4,
    }  # fmt: skip
    assert facet(response, "province") == {"北京市": 1, "山西省": 4, "湖南省": 1, "广东省": 1}
    assert facet(response, "status") == {"预备名单": 2, "已认定": 4, "已撤销": 1}
    assert facet(response, "plaqued") == {"已挂牌": 1, "未挂牌": 4}  # districts and buildings
    assert facet(response, "occupancy") == {"在用": 1, "空置": 1, "未知": 2}  # buildings


def test_search_in_chinese_and_pinyin(client, cat):
    assert names(client.get("/?q=宗祠")) == ["宗祠村", "张氏宗祠", "李氏宗祠"]  # by code
    assert names(client.get("/?q=zszc")) == ["张氏宗祠"]
    response = client.get("/?q=zongci&kind=building")
    assert names(response) == ["张氏宗祠", "李氏宗祠"]
    assert facet(response, "status") == {"已认定": 1, "已撤销": 1}
    assert [(f["label"], f["value"]) for f in response.context["active"]] == [("类别", "历史建筑")]
    assert response.context["active"][0]["remove"] == "?q=zongci"
    html = client.get("/?q=没有这个").content.decode()
    assert "没有找到符合条件的保护对象" in html


def test_facet_links_keep_the_search_and_pages_hold_filters(client, cat):
    response = client.get("/?q=宗祠")
    links = {o["label"]: o["url"] for f in response.context["facets"] for o in f["options"]}
    assert links["历史建筑"] == "?q=%E5%AE%97%E7%A5%A0&kind=building"
    assert names(client.get(links["历史建筑"])) == ["张氏宗祠", "李氏宗祠"]
    assert names(client.get("/?region=140700&ordering=name")) == [
        "南大街历史文化街区", "平遥", "张氏宗祠",
    ]  # fmt: skip


def test_many_results_leave_the_counts_out(client, cat, monkeypatch):
    monkeypatch.setattr(views, "FACET_MAX", 3)
    response = client.get("/")
    assert response.context["facet_counts_shown"] is False
    assert facet(response, "kind")["历史建筑"] is None
    assert len(names(response)) == 7


def test_paging(client, cat, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    assert names(client.get("/?page=3")) == ["李氏宗祠"]
    assert names(client.get("/?page=999")) == ["李氏宗祠"]  # the last page, not an error
    assert names(client.get("/?page=x")) == ["798艺术区厂房", "长沙天心阁", "宗祠村"]


@pytest.mark.parametrize("query", ["q=%00", "kind=%00", "x=%00", "region=999999", "status=no"])
def test_bad_parameters_are_400(client, cat, query):
    assert client.get(f"/?{query}").status_code == 400
    assert client.get(f"/search/points/?{query}").status_code == 400


def test_record_page(client, cat):
    html = client.get("/records/JZ-B-0001/").content.decode()
    shown = ["张氏宗祠", "山西省", "晋中市", "平遥县", "南大街历史文化街区", "晋-1", "空置", "差"]
    for text in [*shown, "2019-05-01", "已认定", "历史建筑", "市县级"]:
        assert text in html, text
    assert "王工" not in html and "内部" not in html  # no surveyor, no notes
    assert 'id="record-map"' in html
    city = client.get("/records/HC-140728/").content.decode()
    assert "南大街历史文化街区" in city and "下属保护对象（1）" in city
    candidate = client.get("/records/CS-B-0003/").content.decode()
    assert "预备名单" in candidate and 'id="record-map"' not in candidate  # no coordinates
    assert client.get("/records/NOPE/").status_code == 404


def test_map_points_and_cells(client, cat, monkeypatch):
    data = client.get("/search/points/?q=宗祠").json()
    assert data["total"] == 2 and data["cells"] == []  # 宗祠村 has no coordinates
    assert [p[0] for p in data["points"]] == ["JZ-B-0001", "TY-B-0002"]
    monkeypatch.setattr(views, "POINTS_MAX", 1)
    data = client.get("/search/points/?region=140000").json()
    assert data["points"] == [] and sum(c[2] for c in data["cells"]) == data["total"] == 4


def test_no_external_requests(client, cat):
    for url in ["/", "/?q=宗祠", "/records/JZ-B-0001/"]:
        html = client.get(url).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', html), url


def test_query_budget(client, cat, django_assert_num_queries):
    # provinces, index count (kind is asked of the index too: it is the count), ids, records,
    # the facets (one GROUP BY for all six)
    with django_assert_num_queries(5):
        client.get("/?q=宗祠&kind=building")
    with django_assert_num_queries(5):  # no search: no index count
        client.get("/?status=designated")
    with django_assert_num_queries(6):  # record, plaques, surveys, photos, documents, children
        client.get("/records/HC-140728/")
    with django_assert_num_queries(3):
        client.get("/search/points/?q=宗祠")


def test_schema_has_no_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_list_entry_on_the_record_page_in_both_languages(
    client, cat, django_assert_num_queries
):
    from registry.models import Record

    Record.objects.filter(code="JZ-B-0001").update(
        era="清代", description="第一段<script>alert(1)</script>\n\n第二段",
        description_en="First paragraph.\nSecond & last.", designation_batch="第三批",
        designation_document="晋政发〔2015〕3号", archive_level="typical",
        archive_completed_on="2020-05-06",
    )  # fmt: skip
    # record, plaques, surveys, photos, documents (no children): the list entry adds none
    with django_assert_num_queries(5):
        html = client.get("/records/JZ-B-0001/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    shown = ["列表条目", "建造年代", "清代", "公布批次", "第三批", "公布文号", "晋政发〔2015〕3号",
             "测绘建档", "典型 · 2020-05-06", "价值特色与历史沿革"]  # fmt: skip
    for text in shown:
        assert text in html, text
    assert "<p>第一段&lt;script&gt;alert(1)&lt;/script&gt;</p>" in html  # escaped, never |safe
    assert "<p>第二段</p>" in html and "<p></p>" not in html  # a blank line is no paragraph
    assert "First paragraph." not in html
    english = client.get("/records/JZ-B-0001/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in english and "<p>First paragraph.</p>" in english
    assert "<p>Second &amp; last.</p>" in english and "第一段" not in english
    # No English text: the Chinese, marked as Chinese and said to be untranslated.
    Record.objects.filter(code="JZ-B-0001").update(description_en=None)
    english = client.get("/records/JZ-B-0001/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<div class="record__description" lang="zh-Hans">' in english and "第二段" in english
    assert "No English description yet" in english
    # A district without an archive says so; a city has none to speak of, nor a section.
    district = client.get("/records/JZ-D-0001/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "未建档" in district
    city = client.get("/records/HC-140728/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "测绘建档" not in city and "列表条目" not in city
