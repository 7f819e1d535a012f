"""The survey import reads what a spreadsheet shows (registry.services.sheet_rows): shared and
rich strings, dates however they are stored, formulas as formulas, the spreadsheet's own line
numbers; and a file that is not a spreadsheet is refused, not half read."""

import datetime
import io
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from registry.services import survey_import

from .xlsx_builders import HEADER, MAIN, row, shared_strings, sheet, xlsx

FIELDS = list(survey_import.COLUMNS.values())

STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d'
    '&quot;日&quot;"/></numFmts><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/>'
    '<xf numFmtId="2"/></cellXfs></styleSheet>'
)


def read(data: bytes, name="s.xlsx"):
    return survey_import.read_table(io.BytesIO(data), name)


def values(*texts) -> dict:
    return dict(zip(FIELDS, texts, strict=True))


def test_a_workbook_saved_by_openpyxl_with_real_dates():
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["B0", datetime.date(2024, 5, 1), "空置", "差", "住宅", "张三", "备注"])
    book.active.append([])
    book.active.append(["B1", datetime.datetime(2024, 5, 2, 9, 30), "在用", None, 12, None, 1.5])
    out = io.BytesIO()
    book.save(out)
    assert read(out.getvalue()) == [
        (2, values("B0", "2024-05-01", "空置", "差", "住宅", "张三", "备注")),
        (4, values("B1", "2024-05-02", "在用", "", "12", "", "1.5")),
    ]


def test_shared_rich_and_phonetic_strings_dates_and_escapes():
    strings = shared_strings([*HEADER, "B0", "空置"]).replace(
        "</sst>",
        # rich text in two runs, with a phonetic reading that is not part of the text
        '<si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space="preserve">三 </t></r>'
        '<rPh sb="0" eb="1"><t>ZHANG</t></rPh></si>'
        "<si><t>a_x005F_x0041_b_x000A_c</t></si></sst>",  # an escaped "_x0041_" and a newline
    )
    cells = (
        '<row r="1">' + "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(7))
        + '</row><row r="2"><c r="A2" t="s"><v>7</v></c><c r="B2" s="1"><v>45413</v></c>'
        '<c r="C2" t="s"><v>8</v></c><c r="F2" t="s"><v>9</v></c><c r="G2" t="s"><v>10</v></c>'
        '</row><row r="5"><c r="A5" t="inlineStr"><is><t>B1</t></is></c><c r="B5" s="2">'
        '<v>45414</v></c><c r="C5" t="inlineStr"><is><t>在用</t></is></c><c r="E5" s="3">'
        '<v>2</v></c></row>'
    )  # fmt: skip
    rows = read(xlsx(sheet(cells), shared=strings, styles=STYLES))
    assert rows == [
        (2, values("B0", "2024-05-01", "空置", "", "", "张三", "a_x0041_b\nc")),
        (5, values("B1", "2024-05-02", "在用", "", "2", "", "")),
    ]


def test_dates_of_a_1904_workbook():
    cells = row(1, HEADER) + '<row r="2"><c r="A2" t="inlineStr"><is><t>B0</t></is></c>'
    cells += '<c r="B2" s="2"><v>43951</v></c></row>'
    rows = read(xlsx(sheet(cells), styles=STYLES, date1904=True))
    assert rows[0][1]["surveyed_on"] == "2024-05-01"


def test_a_formula_is_read_as_the_formula_not_its_cached_value():
    cells = row(1, HEADER) + row(2, ["B0", "2024-05-01", "空置"])[:-6]
    cells += '<c r="G2" t="str"><f>HYPERLINK("http://x")</f><v>x</v></c>'
    cells += '<c r="E2" t="str"><f t="shared" si="0"/><v>住宅</v></c></row>'
    rows = read(xlsx(sheet(cells)))
    assert rows[0][1]["notes"] == '=HYPERLINK("http://x")'
    assert rows[0][1]["use"] == "="  # a dependent of a shared formula: still a formula


def test_rows_and_cells_without_their_coordinates():
    cells = "<row>" + "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER)
    cells += '</row><row><c t="inlineStr"><is><t>B0</t></is></c><c/><c t="inlineStr"><is><t>'
    cells += "空置</t></is></c></row>"
    assert read(xlsx(sheet(cells))) == [(2, values("B0", "", "空置", "", "", "", ""))]


def test_the_header_may_leave_out_optional_columns_and_add_others():
    cells = row(1, ["其他", "建筑编号", "使用状况", "调查日期"])
    cells += row(2, ["x", "B0", "空置", "2024-05-01"]) + row(3, ["only here"])
    rows = read(xlsx(sheet(cells)))
    assert rows == [(2, {"building": "B0", "occupancy": "空置", "surveyed_on": "2024-05-01"})]


def test_csv_lines_are_numbered_as_a_spreadsheet_numbers_them():
    text = (
        ",".join(HEADER)
        + '\r\n\r\nB0,2024-05-01,空置,,,,"两行\r\n备注"\r\nB1,2024-05-02,在用,,,,\r\n'
    )
    rows = read(("\ufeff" + text).encode("utf-8"), "s.csv")
    assert [line for line, _ in rows] == [3, 4]
    assert rows[0][1]["notes"] == "两行\r\n备注"
    gbk = read(text.encode("gb18030"), "s.csv")
    assert gbk == rows


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"", "s.csv", "文件是空的"),
        (b"\n\n,,\n", "s.csv", "缺少列：建筑编号、调查日期、使用状况"),  # no header in line 1
        (xlsx(sheet("")), "s.xlsx", "文件是空的"),
        ("建筑编号,用途\nB0,x\n".encode(), "s.csv", "缺少列：调查日期、使用状况"),
        (b"PK\x03\x04 not a zip", "s.xlsx", "无法读取"),
        (b"x" * 100, "s.xls", "只接受"),
        (xlsx("<worksheet><sheetData><row><c>"), "s.xlsx", "无法读取"),  # cut short
        (xlsx(sheet(row(1, HEADER) + '<row r="2"><c t="s"><v>3</v></c></row>')), "s.xlsx",
         "无法读取"),  # a shared string, and no table of them
        (xlsx(sheet(row(1, HEADER) + '<row r="two"/>')), "s.xlsx", "无法读取"),
    ],
    ids=["empty-csv", "blank-csv", "empty-sheet", "missing-columns", "not-a-zip", "xls",
         "cut-xml", "no-shared-strings", "bad-row-number"],
)  # fmt: skip
def test_what_cannot_be_read_is_refused_with_a_reason(data, name, message):
    with pytest.raises(ValidationError, match=message):
        read(data, name)


def test_no_entity_is_expanded():
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lolololololololololol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + f']><worksheet xmlns="{MAIN}"><sheetData><row><c t="inlineStr"><is><t>&lol9;</t>'
        "</is></c></row></sheetData></worksheet>"
    )
    start = time.monotonic()
    with pytest.raises(ValidationError, match="无法读取"):
        read(xlsx(laughs))
    assert time.monotonic() - start < 5


def test_a_zip_of_another_kind_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ValidationError, match="无法读取"):
        read(out.getvalue())
