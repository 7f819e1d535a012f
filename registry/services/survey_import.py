"""Import of surveys from a spreadsheet (xlsx or csv, Chinese column headers).

Two steps: `check` reads every row and says what is wrong with each (nothing is saved), then
`import_rows` saves all rows as draft surveys of the importing surveyor, or none: one error
anywhere and nothing is written. Formula-safe: a cell holding a formula, or text that a
spreadsheet would run as one (starting with = + - @), is an error, never stored, so it
cannot come back out of an export into someone's spreadsheet.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from registry import permissions
from registry.choices import Condition, Kind, Occupancy, SurveyState
from registry.models import ChangeAction, ChangeLog, Record, Survey
from registry.models.limits import max_length
from registry.services import audit, indicator_state
from registry.spreadsheet import FORMULA_PREFIXES as FORMULA_START

COLUMNS = {  # header -> field
    "建筑编号": "building",
    "调查日期": "surveyed_on",
    "使用状况": "occupancy",
    "保存状况": "condition",
    "用途": "use",
    "调查人": "surveyor",
    "备注": "notes",
}
REQUIRED = ("building", "surveyed_on", "occupancy")
MAX_ROWS = 5_000
MAX_BYTES = 5 * 1024 * 1024
# The fields' own limits (notes: SURVEY_NOTES_MAX_LENGTH, as the admin and the exchange take).
LIMITS = {
    "building": max_length(Record, "code"),
    **{name: max_length(Survey, name) for name in ("use", "surveyor", "notes")},
}


@dataclass
class Row:
    line: int  # as the spreadsheet numbers it (the header is line 1)
    values: dict  # field -> text as read
    errors: list = field(default_factory=list)
    cleaned: dict = field(default_factory=dict)


def read_table(upload, filename: str) -> list[dict]:
    """The rows of the file as {field: text}; ValidationError if the file cannot be read."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("文件不能超过 5 MB。"))
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = _xlsx_rows(data)
    elif name.endswith(".csv"):
        table = _csv_rows(data)
    else:
        raise ValidationError(_("只接受 .xlsx 或 .csv 文件。"))
    if not table:
        raise ValidationError(_("文件是空的。"))
    header = [str(h or "").strip() for h in table[0]]
    missing = [h for h, f in COLUMNS.items() if f in REQUIRED and h not in header]
    if missing:
        raise ValidationError(_("缺少列：%(columns)s") % {"columns": "、".join(missing)})
    index = {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}
    rows = []
    for values in table[1:]:
        if all(v in (None, "") for v in values):
            continue
        rows.append({f: _text(values[i] if i < len(values) else None) for f, i in index.items()})
        if len(rows) > MAX_ROWS:
            raise ValidationError(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})
    return rows


def _xlsx_rows(data: bytes) -> list[list]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ValidationError(_("无法读取此 xlsx 文件。")) from exc
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("无法识别 CSV 文件的编码。"))
    return list(csv.reader(io.StringIO(text)))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def check(rows: list[dict], user, first_line: int = 2) -> list[Row]:
    """Every row with its errors (a constant number of queries, whatever the row count)."""
    codes = {r.get("building", "") for r in rows}
    buildings = {
        b.code: b for b in permissions.restrict(Record.objects.all(), user).filter(code__in=codes)
    }
    seen: dict = {}
    result = []
    for offset, values in enumerate(rows):
        row = Row(line=first_line + offset, values=values)
        _check_row(row, buildings)
        key = (row.cleaned.get("building"), row.cleaned.get("surveyed_on"))
        if None not in key:
            if key in seen:
                row.errors.append(
                    _("与第 %(line)s 行重复（同一建筑同一天）。") % {"line": seen[key]}
                )
            seen.setdefault(key, row.line)
        result.append(row)
    return result


def _check_row(row: Row, buildings: dict) -> None:
    values, errors, cleaned = row.values, row.errors, row.cleaned
    for name, text in values.items():
        if text.startswith(FORMULA_START):
            errors.append(_("“%(value)s”以公式符号开头，不予接受。") % {"value": text[:30]})
        if len(text) > LIMITS.get(name, 200):
            errors.append(_("“%(value)s”过长。") % {"value": text[:30]})
    for name in REQUIRED:
        if not values.get(name):
            errors.append(_("缺少必填项：%(column)s") % {"column": _header(name)})
    code = values.get("building", "")
    building = buildings.get(code)
    if code and building is None:
        errors.append(_("找不到编号为 %(code)s 的建筑（或不在您的工作区域）。") % {"code": code})
    elif building is not None and building.kind != Kind.BUILDING:
        errors.append(_("%(code)s 不是历史建筑。") % {"code": code})
    else:
        cleaned["building"] = building
    if values.get("surveyed_on"):
        cleaned["surveyed_on"] = _date(values["surveyed_on"], errors)
    cleaned["occupancy"] = _choice(values.get("occupancy", ""), Occupancy, errors, "occupancy")
    cleaned["condition"] = _choice(values.get("condition", ""), Condition, errors, "condition")
    for name in ("use", "surveyor", "notes"):
        cleaned[name] = values.get(name) or None


def _date(text: str, errors: list) -> datetime.date | None:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            day = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if day > timezone.localdate():
            errors.append(_("调查日期不能晚于今天。"))
        return day
    errors.append(_("调查日期“%(value)s”无法识别（请用 2024-05-01）。") % {"value": text[:30]})
    return None


def _choice(text: str, choices, errors: list, name: str):
    if not text:
        return None
    for value, label in choices.choices:
        if text in (value, str(label)):
            return value
    allowed = "、".join(str(label) for _value, label in choices.choices)
    errors.append(_("%(column)s“%(value)s”无效，可选：%(allowed)s")
                  % {"column": _header(name), "value": text[:30], "allowed": allowed})  # fmt: skip
    return None


def _header(name: str) -> str:
    return next(h for h, f in COLUMNS.items() if f == name)


def import_rows(*, user, rows: list[dict]) -> int:
    """Save every row as a draft survey of `user`, or nothing (ValidationError)."""
    if not permissions.allowed(user, "survey", permissions.ADD):
        raise PermissionDenied
    with transaction.atomic():
        checked = check(rows, user)
        bad = [r for r in checked if r.errors]
        if bad:
            raise ValidationError(_("%(n)s 行有错误，未导入任何数据。") % {"n": len(bad)})
        surveys = [
            Survey(created_by=user, state=SurveyState.DRAFT, **row.cleaned) for row in checked
        ]
        Survey.objects.bulk_create(surveys)
        now = timezone.now()
        ChangeLog.objects.bulk_create(
            ChangeLog(
                time=now, user=user, action=ChangeAction.IMPORT,
                object_type=Survey._meta.label_lower, object_id=s.pk, object_repr=str(s)[:300],
                record_id=s.building_id, region_id=s.building.region_id,
                after=audit.snapshot(s),
            )
            for s in surveys
        )  # fmt: skip
        # bulk_create sends no signals. Drafts count nowhere, but the rule is the rule.
        indicator_state.refresh(records={s.building_id for s in surveys})
    return len(surveys)


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("调查")
    sheet.append(list(COLUMNS))
    for letter, width in zip("ABCDEFG", (22, 14, 10, 10, 20, 12, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = book.create_sheet(_("说明"))
    notes.append([_("列"), _("说明")])
    notes.append(["建筑编号", _("必填；历史建筑的编号")])
    notes.append(["调查日期", _("必填；如 2024-05-01")])
    notes.append(["使用状况", _("必填；") + "、".join(str(lbl) for _v, lbl in Occupancy.choices)])
    notes.append(["保存状况", "、".join(str(lbl) for _v, lbl in Condition.choices)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    return ("\ufeff" + ",".join(COLUMNS) + "\r\n").encode("utf-8")
