"""GET /api/v1/indicators/ and heritage_report: the same JSON, and clear 400s / exits."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from registry.selectors.indicators import indicator_report
from tests.indicator_builders import day, plaque, record, survey
from tests.indicator_reference import expected_report

pytestmark = pytest.mark.django_db
URL = "/api/v1/indicators/"


@pytest.fixture
def registry():
    a = record("district", designated="2010-01-01", region="140728")
    plaque(a, "2010-06-01")
    b = record(designated="2011-01-01", region="441900", level="provincial")
    survey(b, "2012-01-01", "vacant")
    record(designated="2011-01-01", region="110101", level="municipal")


def test_api_answers_the_spec_json(client, registry):
    response = client.get(URL, {"as_of": "2020-12-31", "by": "province"})
    assert response.status_code == 200
    assert response.json() == expected_report(day("2020-12-31"), "province")
    assert list(response.json()) == ["as_of", "by", "region", "level", "rows", "total"]


SPEC_FIGURES = [
    "districts", "districts_plaqued", "buildings", "buildings_plaqued", "buildings_vacant",
    "buildings_occupancy_unknown", "districts_archived", "buildings_archived",
    "plaque_coverage", "plaque_target_met", "vacancy_rate", "vacancy_target_met",
    "archive_coverage",
]  # fmt: skip


def test_api_json_has_the_keys_of_the_spec_example_in_its_order(client, registry):
    record("district", designated="2010-01-01", region="140105", archived="2015-01-01")
    response = client.get(URL, {"as_of": "2020-12-31", "by": "province", "region": "140000"})
    body = response.json()
    assert list(body) == ["as_of", "by", "region", "level", "rows", "total"]
    assert list(body["rows"][0]) == ["key", "label", *SPEC_FIGURES]
    assert list(body["total"]) == SPEC_FIGURES
    assert body["rows"][0]["districts_archived"] == 1
    assert body["rows"][0]["archive_coverage"] == 0.5  # two districts, one archived
    assert body == expected_report(day("2020-12-31"), "province", "140000")
    points = client.get(f"{URL}trend/", {"as_of": "2020-12-31", "years": 6}).json()
    assert list(points[0]) == ["as_of", *SPEC_FIGURES]
    # 2014-12-31, then from the end of 2015 (archived on 2015-01-01) one of four
    assert [p["archive_coverage"] for p in points] == [0, *[1 / 4] * 6]


def test_api_filters_and_defaults(client, registry):
    body = client.get(URL).json()
    assert body["as_of"] == timezone.localdate().isoformat()
    assert (body["by"], body["region"], body["level"], body["rows"]) == ("none", None, None, [])
    assert body["total"]["buildings"] == 2
    body = client.get(URL, {"region": "110100", "level": "municipal", "by": "county"}).json()
    assert [r["key"] for r in body["rows"]] == ["110101"]
    assert body["region"] == "110100" and body["level"] == "municipal"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "140001"}, "region"),  # six digits, but no known region lies in it
        ({"region": "14000"}, "region"),
        ({"region": "abcdef"}, "region"),
        ({"as_of": "2020-02-30"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2024-1-5"}, "as_of"),  # dates are YYYY-MM-DD exactly (indicators.md)
        ({"as_of": " 2024-01-01"}, "as_of"),
        ({"as_of": "2024-01-01 "}, "as_of"),
        ({"by": "city"}, "by"),
        ({"level": "world"}, "level"),
        ({"region": "14\x000000"}, "region"),
        ({"as_of": "2020-01-01\x00"}, "as_of"),
        ({"by": "\x00"}, "by"),
        ({"level": "national\x00"}, "level"),
    ],
)
def test_api_rejects_bad_parameters_with_a_clear_400(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field][0]


def test_api_trend_and_its_400s(client, registry):
    response = client.get(f"{URL}trend/", {"as_of": "2020-06-30", "years": 3, "region": "440000"})
    assert response.status_code == 200
    points = response.json()
    assert [p["as_of"] for p in points] == ["2017-12-31", "2018-12-31", "2019-12-31", "2020-06-30"]
    assert [p["vacancy_rate"] for p in points] == [1.0, 1.0, 1.0, 1.0]
    for bad in ({"years": "0"}, {"years": "x\x00"}, {"region": "999999"}):
        assert client.get(f"{URL}trend/", bad).status_code == 400


def test_api_query_count_is_constant(client, django_assert_num_queries):
    record(designated="2010-01-01")
    with django_assert_num_queries(3):  # region check, report, labels
        client.get(URL, {"by": "county", "region": "140000"})
    for region in ("140105", "140728", "140107"):
        for _ in range(4):
            record(designated="2010-01-01", region=region)
    with django_assert_num_queries(3):
        body = client.get(URL, {"by": "county", "region": "140000"}).json()
    assert len(body["rows"]) == 3


def test_api_schema_documents_the_endpoint(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    names = {p["name"] for p in paths["/api/v1/indicators/"]["get"]["parameters"]}
    assert names == {"as_of", "by", "region", "level"}


def run(*args) -> str:
    out = io.StringIO()
    call_command("heritage_report", *args, stdout=out)
    return out.getvalue()


def test_command_json_is_the_api_json(client, registry):
    args = ["--as-of", "2020-12-31", "--by", "county", "--region", "440000"]
    text = run(*args, "--format", "json")
    api = client.get(URL, {"as_of": "2020-12-31", "by": "county", "region": "440000"})
    assert text.strip().encode() == api.content
    assert json.loads(text) == expected_report(day("2020-12-31"), "county", "440000")


def test_command_csv_has_a_bom_chinese_headers_rows_and_total(registry, tmp_path):
    path = tmp_path / "r.csv"
    call_command("heritage_report", "--as-of", "2020-12-31", "--by", "province",
                 "--format", "csv", "--output", str(path))  # fmt: skip
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][:3] == ["代码", "名称", "历史文化街区"]
    report = indicator_report(as_of=day("2020-12-31"), by="province")
    assert [r[0] for r in table[1:]] == [r["key"] for r in report["rows"]] + [""]
    assert table[-1][1] == "合计"
    total = dict(zip(table[0], table[-1], strict=True))
    # Rates to four decimals, rounded down as the page shows them (1/3: 33.33%).
    assert report["total"]["plaque_coverage"] == 1 / 3
    assert total["挂牌保护率"] == "0.3333"
    assert total["挂牌保护率达标"] == "否"
    assert total["历史建筑空置率"] == "0.5000"
    assert total["测绘建档率"] == "0.0000"


def test_command_xlsx_keeps_text_as_text_and_rates_as_numbers(registry, tmp_path, monkeypatch):
    from registry.selectors import indicators

    real = indicators._labels
    monkeypatch.setattr(
        indicators, "_labels", lambda by, keys, *rest: dict.fromkeys(real(by, keys, *rest), "=1+1")
    )  # a label that looks like a formula must stay text
    path = tmp_path / "r.xlsx"
    call_command("heritage_report", "--as-of", "2020-12-31", "--by", "province",
                 "--format", "xlsx", "--output", str(path))  # fmt: skip
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=False))
    assert rows[1][0].value == "代码"  # under the title row
    assert rows[2][1].value == "=1+1" and rows[2][1].data_type == "s"
    report = indicator_report(as_of=day("2020-12-31"), by="province")
    rate = [c.value for c in rows[1]].index("挂牌保护率")
    assert rows[2][rate].value == report["rows"][0]["plaque_coverage"] == 0
    assert rows[2][rate].number_format == "0.00%"
    assert rows[-1][1].value == "合计"


def test_command_table_is_readable(registry):
    text = run("--as-of", "2020-12-31", "--by", "level")
    lines = text.splitlines()
    assert "2020-12-31" in lines[0]
    assert lines[1].split()[:2] == ["代码", "名称"]
    assert [line.split()[0] for line in lines[2:5]] == ["municipal", "national", "provincial"]
    assert lines[-1].split()[0] == "合计"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "140001"], "140001"),
        (["--as-of", "2020-13-01"], "as_of"),
        (["--as-of", "2020-1-1"], "as_of"),
        (["--by", "nation"], "nation"),
        (["--level", "x"], "level"),
    ],
)
def test_command_fails_clearly_on_bad_parameters(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_command_refuses_xlsx_on_a_terminal_stream():
    with pytest.raises(CommandError, match="xlsx"):
        run("--format", "xlsx")
