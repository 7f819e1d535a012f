"""An indicator report (registry.selectors.indicators) as JSON, CSV, XLSX or a terminal table.

Shared by the heritage_report command and the report page's downloads, so that a file
downloaded from the page and one made on a server are the same. JSON keeps the rates as
computed (indicators.md); the CSV, the XLSX and the table show them as the page does, rounded
down (registry.rates), so that a figure pasted into a report reads as on the page.
"""

import csv
import io
import json
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from registry.choices import Level
from registry.models.indicators import FIGURE_LABELS
from registry.rates import PERCENT_FORMAT, percent_text, rate_floor
from registry.selectors.indicators import scope_label
from registry.spreadsheet import neutralise, text_cell

FORMATS = ("json", "csv", "xlsx", "table")
RATES = ("plaque_coverage", "vacancy_rate", "archive_coverage")
FLAGS = ("plaque_target_met", "vacancy_target_met")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The XLSX's layout: a title row, then the header row; both stay in view when scrolling, and
# so do the code and name columns.
TITLE_ROW, HEADER_ROW = 1, 2
FROZEN = "C3"
WIDTH_MIN, WIDTH_MAX = 6, 40  # column widths in characters (a Chinese character counts two)


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
        ("archive_coverage", _("测绘建档率")),
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
    """UTF-8 with a BOM, so that spreadsheet programs read the Chinese headers right. Rates as
    numbers to RATE_PLACES decimals, rounded down like the page (0.9864 where the page shows
    98.64%); an empty cell is a null rate."""
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
    if field in RATES:
        return "" if value is None else str(rate_floor(value))
    # Labels are data (region names): one beginning with = + - @ must not run in a spreadsheet.
    return "" if value is None else neutralise(value)


def to_xlsx(report: dict) -> bytes:
    """Ready to paste into a report: a title row (scope, level, day), the header row and the
    code and name columns frozen, columns as wide as their contents, rates as numbers rounded
    down like the page and shown as the page shows them; then a sheet of the conditions, in
    the user's language."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("指标"))
    cols = columns()
    body = [[_xlsx_value(field, row[field]) for field, _header in cols] for row in lines(report)]
    headers = [header for _field, header in cols]
    _fit_columns(sheet, [headers, *([_shown(f, r[f]) for f, _h in cols] for r in lines(report))])
    scope = _scope_text(report["region"])  # one query: named once for the title and conditions
    about_rows = conditions(report, scope)
    sheet.freeze_panes = FROZEN
    sheet.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    title = text_cell(sheet, title_text(report, scope))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append([_bold(text_cell(sheet, header)) for header in headers])
    for values in body:
        pairs = zip(cols, values, strict=True)
        sheet.append([_xlsx_cell(sheet, field, value) for (field, _h), value in pairs])
    about = workbook.create_sheet(pgettext("indicator download", "条件"))
    _fit_columns(about, about_rows)
    for name, value in about_rows:
        about.append([_bold(text_cell(about, name)), text_cell(about, value)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def title_text(report: dict, scope: str) -> str:
    """The sheet's title; `scope` the region for people (_scope_text)."""
    title = pgettext("indicator download", "保护指标 · {region} · {level} · 统计日期 {as_of}")
    return title.format(
        region=scope,
        level=_level_text(report["level"]),
        as_of=report["as_of"],
    )


def conditions(report: dict, scope: str) -> list[tuple[str, str]]:
    """The filters that made the report, for people: names, not codes (the code beside);
    `scope` the region for people (_scope_text)."""
    return [
        (pgettext("indicator download", "统计日期"), report["as_of"]),
        (pgettext("indicator download", "行政区划"), scope),
        (pgettext("indicator download", "保护级别"), _level_text(report["level"])),
        (pgettext("indicator download", "分组"), str(BY_LABELS[report["by"]]())),
        (
            pgettext("indicator download", "比率"),
            pgettext("indicator download", "向下取整至 0.01%，与网页显示一致"),
        ),
    ]


# The groupings for people (functions: translated when called, in the user's language).
BY_LABELS = {
    "none": lambda: pgettext("indicator download", "不分组"),
    "province": lambda: pgettext("indicator download", "按省份"),
    "prefecture": lambda: pgettext("indicator download", "按地市"),
    "county": lambda: pgettext("indicator download", "按区县"),
    "level": lambda: pgettext("indicator download", "按保护级别"),
}


def _scope_text(region: str | None) -> str:
    name = scope_label(region)
    return name if region is None else _("%(name)s（%(code)s）") % {"name": name, "code": region}


def _level_text(level: str | None) -> str:
    return str(Level(level).label) if level else _("全部级别")


def _bold(cell):
    cell.font = Font(bold=True)
    return cell


def _fit_columns(sheet, rows) -> None:
    """Each column as wide as its widest text as shown, within WIDTH_MIN..WIDTH_MAX (a
    write-only sheet takes widths before its first row)."""
    widths: dict[int, int] = {}
    for row in rows:
        for i, text in enumerate(row, start=1):
            widths[i] = max(widths.get(i, 0), _width(str(text)))
    for i, width in widths.items():
        sheet.column_dimensions[get_column_letter(i)].width = min(
            WIDTH_MAX, max(WIDTH_MIN, width + 2)
        )


def _xlsx_value(field: str, value):
    if field in RATES:
        return None if value is None else float(rate_floor(value))
    return value


def _xlsx_cell(sheet, field: str, value):
    if field in FLAGS:
        return text_cell(sheet, flagtext_cell(value))
    if isinstance(value, str):
        return text_cell(sheet, value)
    cell = WriteOnlyCell(sheet, value=value)
    if field in RATES:
        cell.number_format = PERCENT_FORMAT
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
        region=_scope_text(report["region"]),
        level=_level_text(report["level"]),
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
        return "-" if value is None else percent_text(value)
    return "" if value is None else str(value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, left: bool) -> str:
    gap = " " * (width - _width(text))
    return text + gap if left else gap + text
