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
    assert sheet.cell(3, 2).value == "太原市"  # under the title and header rows
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


@pytest.fixture
def archived():
    """Shanxi: three buildings (two plaqued, two archived: 2/3) and a district archived in
    2019; one building archived only after the report's day."""
    buildings = [record(designated="2010-01-01", region="140728") for _ in range(3)]
    for building in buildings[:2]:
        plaque(building, "2010-01-01")
    for building, done in zip(buildings, ("2015-01-01", "2016-01-01", "2030-01-01"), strict=True):
        building.archive_level, building.archive_completed_on = "brief", day(done)
        building.save()
    record("district", designated="2010-01-01", region="140105", archived="2019-01-01")


def test_the_page_shows_archive_coverage_beside_plaque_coverage(client, archived):
    response, html = page(client, as_of="2020-12-31", region="140000")
    total = response.context["report"]["total"]
    assert (total["districts_archived"], total["buildings_archived"]) == (1, 2)
    assert total["archive_coverage"] == 3 / 4
    card = html[html.index('id="archive-card"') :]
    card = card[: card.index("</div>")]
    assert "测绘建档率" in card and "75.00%" in card and "挂牌建档" in card
    assert "街区已建档 1 / 1；建筑已建档 2 / 3" in card
    assert "达标" not in card  # no national target, so no flag
    plaque_card = html.index("挂牌保护率</h3>")
    assert plaque_card < html.index('id="archive-card"') < html.index("历史建筑空置率</h3>")
    # The total row: districts / buildings archived, each linked to its records.
    assert re.search(
        r'data-figure="districts_archived">1</a> / <a [^>]*data-figure="buildings_archived">2</a>',
        html,
    )
    # As of an earlier day, the later archive days are not counted yet.
    response, html = page(client, as_of="2015-06-30", region="140000")
    assert response.context["report"]["total"]["archive_coverage"] == 1 / 4
    assert "25.00%" in html


def _xlsx(client, language: str, **params):
    response = client.get("/reports/xlsx/", params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def test_xlsx_is_ready_to_paste_into_a_report(client, archived):
    book = _xlsx(client, "zh-hans", as_of="2020-12-31", region="140000", level="national")
    sheet, about = book.worksheets
    assert sheet.title == "指标" and about.title == "条件"
    assert sheet["A1"].value == "保护指标 · 山西省（140000） · 国家级 · 统计日期 2020-12-31"
    assert sheet["A1"].font.b
    assert sheet.freeze_panes == "C3"  # title and header rows, code and name columns
    header = [c.value for c in sheet[2]]
    assert header[:3] == ["代码", "名称", "历史文化街区"]
    assert "测绘建档率" in header and "已测绘建档建筑" in header
    rows = {r[0].value or "": r for r in sheet.iter_rows(min_row=3)}
    assert list(rows) == ["140100", "140700", ""]  # Taiyuan, Jinzhong, the total
    total = dict(zip(header, rows[""], strict=True))
    assert total["名称"].value == "合计"
    # 2/3 plaqued: the page shows 66.66% (rounded down), so does the sheet: the value is cut
    # to four decimals and formatted as a percent with two.
    assert total["挂牌保护率"].value == 0.5 and total["挂牌保护率"].number_format == "0.00%"
    jinzhong = dict(zip(header, rows["140700"], strict=True))
    assert jinzhong["挂牌保护率"].value == 0.6666
    assert jinzhong["测绘建档率"].value == 0.6666
    assert jinzhong["测绘建档率"].number_format == "0.00%"
    assert jinzhong["已测绘建档建筑"].value == 2
    assert total["测绘建档率"].value == 0.75
    taiyuan = dict(zip(header, rows["140100"], strict=True))
    assert taiyuan["历史建筑空置率"].value is None  # a district only: a null rate, empty
    widths = {letter: sheet.column_dimensions[letter].width for letter in ("A", "B", "C")}
    assert all(6 <= w <= 40 for w in widths.values()), widths
    assert widths["C"] >= 14  # 历史文化街区: six Chinese characters, two columns each
    assert [[c.value for c in row] for row in about.iter_rows()] == [
        ["统计日期", "2020-12-31"],
        ["行政区划", "山西省（140000）"],
        ["保护级别", "国家级"],
        ["分组", "按地市"],
        ["比率", "向下取整至 0.01%，与网页显示一致"],
    ]
    assert about.column_dimensions["B"].width >= 20


def test_xlsx_in_english_has_its_title_and_conditions_in_english(client, archived):
    book = _xlsx(client, "en", as_of="2020-12-31", region="140700")
    sheet, about = book.worksheets
    assert about.title == "Conditions"
    assert sheet["A1"].value == (
        "Heritage indicators · Jinzhong (140700) · All levels · as of 2020-12-31"
    )  # the region's English name (Region.name_en)
    header = [c.value for c in sheet[2]]
    assert "Archive coverage" in header and "Archived buildings" in header
    assert sheet.freeze_panes == "C3"
    conditions = dict(about.iter_rows(values_only=True))
    assert conditions == {
        "As of": "2020-12-31",
        "Region": "Jinzhong (140700)",
        "Protection level": "All levels",
        "Grouped by": "By county",
        "Rates": "Rounded down to 0.01%, as shown on the web page",
    }


def test_csv_rates_have_four_decimals_rounded_down_like_the_page(client, archived):
    response = client.get("/reports/csv/", {"as_of": "2020-12-31", "region": "140700"})
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    total = dict(zip(table[0], table[-1], strict=True))
    assert total["挂牌保护率"] == "0.6666"  # 2/3, not 0.6667
    assert total["测绘建档率"] == "0.6666"
    assert total["历史建筑空置率"] == "0.0000"  # three buildings, none surveyed vacant
    assert total["已测绘建档建筑"] == "2"
    _, html = page(client, as_of="2020-12-31", region="140700")
    assert "66.66%" in html  # the same digits on the page


def test_downloads_keep_their_query_count(client, archived, django_assert_num_queries):
    # The parameters' region check, the report, its labels and the scope's name.
    params = {"as_of": "2020-12-31", "region": "140000"}
    with django_assert_num_queries(4):
        client.get("/reports/xlsx/", params)
    for _ in range(5):
        record(designated="2010-01-01", region="140107", archived="2011-01-01")
    with django_assert_num_queries(4):
        client.get("/reports/xlsx/", params)


def test_the_archive_card_in_english(client, archived):
    response = client.get(
        "/reports/", {"as_of": "2020-12-31", "region": "140000"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    card = html[html.index('id="archive-card"') :]
    card = card[: card.index("</div>")]
    assert "Archive coverage" in card and "75.00%" in card
    assert "no national target" in card
    assert "Districts archived 1 / 1; buildings archived 2 / 3" in card
    assert "Archived (districts / buildings)" in html
