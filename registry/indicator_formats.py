"""An indicator report (registry.selectors.indicators) as JSON, CSV, XLSX or a terminal table.

Shared by the heritage_report command and the report page's downloads, so that a file
downloaded from the page and one made on a server are the same.
"""

import csv
import io
import json
import unicodedata

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from registry.models.indicators import FIGURE_LABELS
from registry.spreadsheet import neutralise, text_cell

FORMATS = ("json", "csv", "xlsx", "table")
RATES = ("plaque_coverage", "vacancy_rate")
FLAGS = ("plaque_target_met", "vacancy_target_met")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def columns() -> list[tuple[str, str]]:
    """(field, header) in report order; headers in the active language (Chinese first)."""
    return [
        ("key", _("代码")),
        ("label", _("名称")),
        *((name, str(label)) for name, label in FIGURE_LABELS.items()),
        ("plaque_coverage", _("挂牌保护率")),
        ("plaque_target_met", _("挂牌保护率达标")),
        ("vacancy_rate", _("历史建筑空置率")),
        ("vacancy_target_met", _("空置率达标")),
    ]


def lines(report: dict) -> list[dict]:
    """The rows, then the total as a last row labelled 合计."""
    return [*report["rows"], {"key": "", "label": _("合计"), **report["total"]}]


def flagtext_cell(value: bool | None) -> str:
    return "" if value is None else (_("是") if value else _("否"))


def filename(report: dict, fmt: str) -> str:
    parts = ["indicators", report["as_of"], report["by"], report["region"], report["level"]]
    return "-".join(p for p in parts if p) + "." + fmt


def to_json(report: dict) -> str:
    # The same bytes as the API's compact JSON renderer.
    return json.dumps(report, ensure_ascii=False, separators=(",", ":"))


def to_csv(report: dict) -> bytes:
    """UTF-8 with a BOM, so that spreadsheet programs read the Chinese headers right. Rates
    unrounded, as numbers; an empty cell is a null rate."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    cols = columns()
    writer.writerow([header for _field, header in cols])
    for row in lines(report):
        writer.writerow([_plain(field, row[field]) for field, _header in cols])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _plain(field: str, value):
    if field in FLAGS:
        return flagtext_cell(value)
    # Labels are data (region names): one beginning with = + - @ must not run in a spreadsheet.
    return "" if value is None else neutralise(value)


def to_xlsx(report: dict) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("指标"))
    cols = columns()
    sheet.append([text_cell(sheet, header) for _field, header in cols])
    for row in lines(report):
        sheet.append([_xlsx_cell(sheet, field, row[field]) for field, _header in cols])
    about = workbook.create_sheet(_("条件"))
    for name, value in (
        (_("统计日期"), report["as_of"]),
        (_("分组"), report["by"]),
        (_("行政区划"), report["region"] or _("全国")),
        (_("保护级别"), report["level"] or _("全部级别")),
    ):
        about.append([text_cell(about, name), text_cell(about, value)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, field: str, value):
    if field in FLAGS:
        return text_cell(sheet, flagtext_cell(value))
    if isinstance(value, str):
        return text_cell(sheet, value)
    cell = WriteOnlyCell(sheet, value=value)
    if field in RATES:
        cell.number_format = "0.00%"
    return cell


def to_table(report: dict) -> str:
    """Aligned columns for a terminal; Chinese characters take two columns."""
    cols = columns()
    body = [[header for _field, header in cols]]
    for row in lines(report):
        body.append([_shown(field, row[field]) for field, _header in cols])
    widths = [max(_width(line[i]) for line in body) for i in range(len(cols))]
    title = _("统计日期 {as_of}  行政区划 {region}  保护级别 {level}").format(
        as_of=report["as_of"],
        region=report["region"] or _("全国"),
        level=report["level"] or _("全部级别"),
    )
    rendered = [title]
    for line in body:
        pairs = enumerate(zip(line, widths, strict=True))
        cells = [_pad(text, width, left=i < 2) for i, (text, width) in pairs]
        rendered.append("  ".join(cells).rstrip())
    return "\n".join(rendered) + "\n"


def _shown(field: str, value) -> str:
    if field in FLAGS:
        return flagtext_cell(value)
    if field in RATES:
        return "-" if value is None else f"{value:.2%}"
    return "" if value is None else str(value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, left: bool) -> str:
    gap = " " * (width - _width(text))
    return text + gap if left else gap + text
