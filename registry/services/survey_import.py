"""Import of surveys from a spreadsheet (xlsx or csv, Chinese column headers).

The file is read within fixed bounds whatever it declares (registry.services.sheet_rows).
Two steps: `check` reads every row and says what is wrong with each (nothing is saved), then
`import_rows` saves all rows as draft surveys of the importing surveyor, or none: one error
anywhere and nothing is written. Formula-safe: a cell holding a formula, or text that a
spreadsheet would run as one (starting with = + - @), is an error, never stored, so it
cannot come back out of an export into someone's spreadsheet. Nor is a text holding a
character no text of the registry may (choices.forbidden_character).
"""

import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from registry import permissions
from registry.choices import (
    FORBIDDEN_MESSAGES,
    Condition,
    Kind,
    Occupancy,
    SurveyState,
    forbidden_character,
)
from registry.models import Record, Survey
from registry.models.limits import max_length
from registry.models.surveys import refuse_future
from registry.services import derived, sheet_rows
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
# The fields' own limits (notes: SURVEY_NOTES_MAX_LENGTH, as the admin and the exchange take);
# the coded columns need no more than a short word, 200 bounds what a cell may bring.
LIMITS = {
    "building": max_length(Record, "code"),
    **{name: max_length(Survey, name) for name in ("use", "surveyor", "notes")},
    **dict.fromkeys(("surveyed_on", "occupancy", "condition"), 200),
}
MAX_TEXT = max(LIMITS.values()) + 1


@dataclass
class Row:
    line: int  # as the spreadsheet numbers it (the header is line 1)
    values: dict  # field -> text as read
    errors: list = field(default_factory=list)
    cleaned: dict = field(default_factory=dict)


def read_table(upload, filename: str) -> list[tuple[int, dict]]:
    """The non-blank rows of the file as (line, {field: text}); ValidationError if the file
    cannot be read. Bounded whatever the file declares (registry.services.sheet_rows): reading
    stops at the first row beyond MAX_ROWS, and a text is kept one character past its limit,
    so that its row is refused as too long and no more of it travels."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("文件不能超过 5 MB。"))
    fields = []

    def pick(header: list[str] | None) -> list[int]:
        if header is None:
            raise ValidationError(_("文件是空的。"))
        missing = [h for h, f in COLUMNS.items() if f in REQUIRED and h not in header]
        if missing:
            raise ValidationError(_("缺少列：%(columns)s") % {"columns": "、".join(missing)})
        index = {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}
        fields.extend(index)
        return list(index.values())

    try:
        rows = sheet_rows.read(data, filename, pick, max_rows=MAX_ROWS, max_text=MAX_TEXT)
    except sheet_rows.TooManyRows:
        raise ValidationError(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS}) from None
    return [
        (line, {f: _text(v)[: LIMITS[f] + 1] for f, v in zip(fields, values, strict=True)})
        for line, values in rows
    ]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def check(rows: list, user) -> list[Row]:
    """Every (line, values) row with its errors (a constant number of queries, whatever the
    row count)."""
    # A code no text may hold is looked up nowhere (PostgreSQL refuses it even as a parameter).
    codes = {v.get("building", "") for _line, v in rows}
    codes = {c for c in codes if forbidden_character(c) is None}
    buildings = {
        b.code: b for b in permissions.restrict(Record.objects.all(), user).filter(code__in=codes)
    }
    seen: dict = {}
    result = []
    for line, values in rows:
        row = Row(line=line, values=values)
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
        reason = forbidden_character(text)
        if reason is not None:
            column, reason = _header(name), FORBIDDEN_MESSAGES[reason]
            errors.append(_("%(column)s：%(reason)s") % {"column": column, "reason": reason})
    if errors:
        return  # such a text is quoted in no other message and looked up nowhere
    for name, text in values.items():
        if text.startswith(FORMULA_START):
            errors.append(_("“%(value)s”以公式符号开头，不予接受。") % {"value": text[:30]})
        if len(text) > LIMITS[name]:
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
        try:
            refuse_future(day)
        except ValidationError as error:
            errors.extend(error.messages)
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


def import_rows(*, user, rows: list) -> int:
    """Save every (line, values) row as a draft survey of `user`, or nothing (ValidationError,
    naming the first wrong lines)."""
    if not permissions.allowed(user, "survey", permissions.ADD):
        raise PermissionDenied
    with transaction.atomic():
        checked = check(rows, user)
        bad = [r for r in checked if r.errors]
        if bad:
            raise ValidationError(
                [_("%(n)s 行有错误，未导入任何数据。") % {"n": len(bad)}]
                + [_("第 %(line)s 行：%(error)s") % {"line": r.line, "error": r.errors[0]}
                   for r in bad[:5]]
            )  # fmt: skip
        surveys = [
            Survey(created_by=user, state=SurveyState.DRAFT, **row.cleaned) for row in checked
        ]
        Survey.objects.bulk_create(surveys)
        # bulk_create sends no signals. Drafts count nowhere, but the rule is the rule.
        ids = [s.pk for s in surveys]
        derived.written(
            {s.building_id for s in surveys},
            logged=[(Survey, ", ".join(["%s"] * len(ids)), ids)],
            user=user,
            search=False,
        )
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
