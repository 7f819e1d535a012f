"""/reports/: the public report page, its drill-down and its downloads."""

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

from tests.indicator_builders import day, plaque, record, survey
from tests.indicator_reference import expected_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    for region in ("140728", "140105", "110101", "441900"):
        rec = record(designated="2010-01-01", region=region)
        plaque(rec, "2010-01-01")
    survey(record(designated="2010-01-01", region="140728"), "2011-01-01", "vacant")
    plaque(record("district", designated="2012-01-01", region="441900"), "2013-01-01")


def page(client, **params):
    response = client.get("/reports/", params)
    return response, response.content.decode()


def test_national_page_lists_provinces_with_drill_down_links(client, registry):
    response, html = page(client, as_of="2020-12-31")
    assert response.status_code == 200
    report = response.context["report"]
    shown = [{k: v for k, v in row.items() if k != "url"} for row in report["rows"]]
    assert {**report, "rows": shown} == expected_report(day("2020-12-31"), "province")
    keys = [r["key"] for r in response.context["report"]["rows"]]
    assert keys == ["110000", "140000", "440000"]
    assert 'href="?as_of=2020-12-31&amp;region=140000"' in html
    assert "历史文化保护名录" in html and 'name="language"' in html
    assert "未达标" in html  # Shanxi: one of two buildings unplaqued


def test_drill_down_province_prefecture_county(client, registry):
    response, html = page(client, as_of="2020-12-31", region="140000")
    assert [r["key"] for r in response.context["report"]["rows"]] == ["140100", "140700"]
    assert 'href="?as_of=2020-12-31&amp;region=140700"' in html
    response, html = page(client, as_of="2020-12-31", region="140700")
    assert [r["key"] for r in response.context["report"]["rows"]] == ["140728"]
    response, html = page(client, as_of="2020-12-31", region="140728")
    assert response.context["report"]["by"] == "none"
    assert response.context["report"]["total"]["buildings"] == 2
    crumbs = [c["label"] for c in response.context["crumbs"]]
    assert crumbs == ["全国", "山西省", "晋中市", "平遥县"]


def test_drill_down_through_municipality_and_prefecture_without_counties(client, registry):
    response, html = page(client, region="110000")
    assert [(r["key"], r["label"]) for r in response.context["report"]["rows"]] == [
        ("110100", "北京市")
    ]
    response, html = page(client, region="110100")
    assert [r["key"] for r in response.context["report"]["rows"]] == ["110101"]
    response, html = page(client, region="440000")
    assert [r["key"] for r in response.context["report"]["rows"]] == ["441900"]
    response, html = page(client, region="441900")
    rows = response.context["report"]["rows"]
    assert [r["key"] for r in rows] == ["441900"] and "url" not in rows[0]


def test_by_level_and_level_filter(client, registry):
    response, html = page(client, by="level")
    assert [r["key"] for r in response.context["report"]["rows"]] == ["national"]
    response, html = page(client, level="municipal")
    assert response.context["report"]["rows"] == []
    assert "此范围内在该日没有已认定的历史文化街区或历史建筑" in html


@pytest.mark.parametrize(
    "params",
    [{"region": "999999"}, {"as_of": "2020-02-30"}, {"level": "x"}, {"region": "\x00"},
     {"as_of": "\x00"}, {"by": "\x00"}],
)  # fmt: skip
def test_bad_parameters_give_400_with_the_reason(client, params):
    response, html = page(client, **params)
    assert response.status_code == 400
    assert 'role="alert"' in html


def test_page_query_count_is_constant(client, django_assert_num_queries):
    record(designated="2010-01-01")
    with django_assert_num_queries(6) as first:
        client.get("/reports/", {"region": "140000"})
    for region in ("140105", "140107", "140728", "140121"):
        for _ in range(3):
            record(designated="2010-01-01", region=region)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get("/reports/", {"region": "140000"})


def test_page_has_no_inline_script_and_no_external_request(client, registry):
    _, html = page(client)
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'type="application/json"' in tag or "src=" in tag, tag
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "style=" not in html


def test_chart_data_is_embedded_as_json(client, registry):
    _, html = page(client, as_of="2020-12-31")
    data = re.search(r'<script id="chart-rows" type="application/json">(.*?)</script>', html)
    rows = json.loads(data.group(1))
    assert [r["key"] for r in rows] == ["110000", "140000", "440000"]
    assert {"plaque_coverage", "vacancy_rate", "buildings_occupancy_unknown"} <= set(rows[0])
    trend = re.search(r'<script id="trend-points" type="application/json">(.*?)</script>', html)
    assert json.loads(trend.group(1))[-1]["as_of"] == "2020-12-31"


def test_downloads(client, registry):
    params = {"as_of": "2020-12-31", "region": "140000"}
    expected = expected_report(day("2020-12-31"), "prefecture", "140000")
    response = client.get("/reports/csv/", params)
    assert response["Content-Type"].startswith("text/csv")
    assert "indicators-2020-12-31-prefecture-140000.csv" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[0] for r in table[1:-1]] == [r["key"] for r in expected["rows"]]
    response = client.get("/reports/xlsx/", params)
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.cell(2, 2).value == "太原市"
    response = client.get("/reports/json/", params)
    assert json.loads(response.content) == expected
    assert client.get("/reports/csv/", {"region": "1"}).status_code == 400
    assert client.get("/reports/pdf/").status_code == 404


@pytest.mark.parametrize(
    ("rate", "shown"),
    [
        (None, "—"),
        (1.0, "100.00%"),
        (0.99996, "99.99%"),  # not 100.00% beside "target not met"
        (0.09996, "9.99%"),  # not 10.00% beside "target met"
        (0.1, "10.00%"),
        (0.29, "29.00%"),  # 0.29 * 100 is 28.999999999999996 in binary floating point
        (2 / 3, "66.66%"),
        (0.0, "0.00%"),
    ],
)
def test_rates_are_shown_rounded_down_so_they_never_cross_a_target(rate, shown):
    from registry.templatetags.indicator_tags import pct

    assert pct(rate) == shown


def test_the_page_rounds_a_rate_down(client):
    # Two of three buildings plaqued: 66.666…%, which rounding to nearest would show as 66.67%.
    buildings = [record(designated="2010-01-01", region="140728") for _ in range(3)]
    for building in buildings[:2]:
        plaque(building, "2010-01-01")
    response, html = page(client, as_of="2020-12-31", region="140728")
    assert response.context["report"]["total"]["plaque_coverage"] == pytest.approx(2 / 3)
    assert "66.66%" in html and "66.67%" not in html
