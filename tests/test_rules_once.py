"""Each rule is written once and its forms agree: "a plaque hangs on D", "the latest approved
survey by D", "designated on D" and "archived on D" in the ORM, raw SQL (the indicator state)
and plain rows (the export) on a grid of cases, and the copies derived from one source (the
parent kinds, the text limits, the formula prefixes, the indicator figures, the catalog's
facets)."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from openpyxl import Workbook

from registry import indicator_formats
from registry.api.indicators import FiguresSerializer, RowSerializer
from registry.choices import (
    ALLOWED_PARENT_KINDS,
    KINDS_WITH_PARENTS,
    PARENTLESS_KINDS,
    SURVEY_NOTES_MAX_LENGTH,
    Kind,
    Status,
)
from registry.exchange import validate
from registry.exchange.format import LIMITED_KEYS, MAX_LENGTHS
from registry.exchange.writers import csv_row
from registry.models import IndicatorChange, IndicatorTotal, Plaque, Record, Survey
from registry.models.indicators import FIGURE_LABELS, FIGURES
from registry.models.records import (
    archived_q,
    archived_sql,
    designated_sql,
    hanging_sql,
    plaque_hangs,
    status_on,
)
from registry.models.surveys import latest_approved_sql, latest_survey
from registry.selectors import records as catalog_selectors
from registry.selectors.indicators import figures_sql, indicator_report, record_state_sql
from registry.spreadsheet import FORMULA_PREFIXES
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db
D = datetime.date(2024, 6, 15)
LONG_AGO = datetime.date(2000, 1, 1)


def day(offset: int) -> datetime.date:
    return D + datetime.timedelta(days=offset)


def building(code: str, **fields) -> Record:
    fields.setdefault("designated_on", LONG_AGO)
    return Record.objects.create(
        code=code, kind="building", name=code, level="provincial", region_id="140728", **fields
    )


def raw_ids(sql: str, params: list) -> set[int]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {row[0] for row in cur.fetchall()}


def state_on(on: datetime.date) -> dict[str, tuple]:
    """record_state_sql (what the indicator state is built from) of every record on `on`."""
    literal = f"'{on.isoformat()}'"  # a date on both engines; the expression repeats it
    with connection.cursor() as cur:
        cur.execute(f"SELECT r.code, {record_state_sql(literal)} FROM {Record._meta.db_table} r")
        return {code: (designated, plaqued, occupancy, archived)
                for code, designated, plaqued, occupancy, archived in cur.fetchall()}  # fmt: skip


# --- A plaque hangs on D ---------------------------------------------------------------------

PLAQUE_GRID = [
    (installed, removed)
    for installed in (-1, 0, 1)
    for removed in (None, -1, 0, 1, 2)
    if removed is None or removed > installed
]
ON = (-2, -1, 0, 1, 2)


def test_a_plaque_hangs_alike_in_rows_orm_sql_catalog_and_indicators():
    plaques = {}
    for n, (installed, removed) in enumerate(PLAQUE_GRID):
        record = building(f"P{n}")
        plaques[record.code] = Plaque.objects.create(
            record=record, installed_on=day(installed),
            removed_on=None if removed is None else day(removed),
        )  # fmt: skip
    table = Plaque._meta.db_table
    for offset in ON:
        on = day(offset)
        expected = {
            code for code, (i, r) in zip(plaques, PLAQUE_GRID, strict=True)
            if i <= offset and (r is None or r > offset)
        }  # fmt: skip
        rows = {
            code for code, p in plaques.items()
            if plaque_hangs(p.installed_on, p.removed_on, on)
            and plaque_hangs(p.installed_on.isoformat(),
                             p.removed_on and p.removed_on.isoformat(), on.isoformat())
        }  # fmt: skip
        assert rows == expected, on
        orm = set(Plaque.objects.hanging(on=on).values_list("record__code", flat=True))
        assert orm == expected, on
        sql = f"SELECT p.id FROM {table} p WHERE {hanging_sql('%s', 'p')}"
        assert raw_ids(sql, [on, on]) == {plaques[c].pk for c in expected}, on
        shown = catalog_selectors.with_current_state(Record.objects.all(), on)
        assert {r.code for r in shown if r.plaqued} == expected, on
        assert {c for c, s in state_on(on).items() if s[1]} == expected, on
        assert indicator_report(as_of=on)["total"]["buildings_plaqued"] == len(expected), on


# --- The latest approved survey by D ---------------------------------------------------------

SURVEYS = (  # (day, state, occupancy): at most one approved survey a day
    (-1, "approved", "in_use"),
    (0, "draft", "vacant"),
    (1, "approved", "vacant"),
    (-2, "rejected", "vacant"),
    (0, "approved", "vacant"),
)


def test_the_latest_approved_survey_alike_in_rows_orm_sql_catalog_and_indicators():
    held = {}
    for n in range(2 ** len(SURVEYS)):
        subset = [s for bit, s in enumerate(SURVEYS) if n >> bit & 1]
        b = building(f"S{n}")
        for offset, state, occupancy in subset:
            Survey.objects.create(
                building=b, surveyed_on=day(offset), state=state, occupancy=occupancy
            )
        held[b] = subset
    for offset in ON:
        by = day(offset)
        expected = {}
        for b, subset in held.items():
            counted = [s for s in subset if s[1] == "approved" and s[0] <= offset]
            expected[b.code] = max(counted)[2] if counted else None
        state = state_on(by)
        shown = {r.code: r for r in catalog_selectors.with_current_state(Record.objects.all(), by)}
        for b in held:
            approved = b.surveys.filter(state="approved").order_by("?")  # any order
            rows = [{"surveyed_on": s.surveyed_on.isoformat(), "occupancy": s.occupancy}
                    for s in approved]  # fmt: skip
            latest = latest_survey(rows, by.isoformat())
            assert (latest and latest["occupancy"]) == expected[b.code], (b.code, by)
            orm = Survey.objects.latest_approved(by=by).filter(building=b).first()
            assert (orm and orm.occupancy) == expected[b.code], (b.code, by)
            with connection.cursor() as cur:
                cur.execute(f"SELECT {latest_approved_sql('occupancy', '%s', '%s')}", [b.pk, by])
                assert cur.fetchone()[0] == expected[b.code], (b.code, by)
            assert shown[b.code].occupancy == (expected[b.code] or "unknown"), (b.code, by)
            assert state[b.code][2] == expected[b.code], (b.code, by)
        total = indicator_report(as_of=by)["total"]
        values = list(expected.values())
        assert total["buildings_vacant"] == values.count("vacant"), by
        assert total["buildings_occupancy_unknown"] == values.count(None), by


# --- Designated on D -------------------------------------------------------------------------

STATUS_GRID = [
    (designated, revoked)
    for designated in (None, -1, 0, 1)
    for revoked in (None, -1, 0, 1, 2)
    if revoked is None or (designated is not None and revoked > designated)
]


def test_the_status_alike_in_rows_model_orm_sql_and_indicators():
    records = {}
    for n, (designated, revoked) in enumerate(STATUS_GRID):
        records[f"R{n}"] = building(
            f"R{n}", designated_on=None if designated is None else day(designated),
            revoked_on=None if revoked is None else day(revoked),
        )  # fmt: skip
    for offset in ON:
        on = day(offset)
        expected = {}
        for code, (designated, revoked) in zip(records, STATUS_GRID, strict=True):
            if designated is None or designated > offset:
                expected[code] = Status.CANDIDATE
            elif revoked is not None and revoked <= offset:
                expected[code] = Status.REVOKED
            else:
                expected[code] = Status.DESIGNATED
        for code, r in records.items():
            assert r.status_on(on) == expected[code], (code, on)
            iso = [d and d.isoformat() for d in (r.designated_on, r.revoked_on)]
            assert status_on(*iso, on.isoformat()) == expected[code], (code, on)
        for status in Status.values:
            chosen = set(Record.objects.with_status(status, on).values_list("code", flat=True))
            assert chosen == {c for c, s in expected.items() if s == status}, (status, on)
        cased = Record.objects.annotate(s=catalog_selectors.status_case(on))
        assert dict(cased.values_list("code", "s")) == expected, on
        designated = {c for c, s in expected.items() if s == Status.DESIGNATED}
        sql = f"SELECT r.code FROM {Record._meta.db_table} r WHERE {designated_sql('%s', 'r')}"
        assert raw_ids(sql, [on, on]) == designated, on
        assert {c for c, s in state_on(on).items() if s[0]} == designated, on
        assert indicator_report(as_of=on)["total"]["buildings"] == len(designated), on


# --- Archived (测绘建档) on D --------------------------------------------------------------------

ARCHIVE_GRID = [None, -1, 0, 1]  # the day the archive was completed


def test_archived_alike_in_orm_sql_and_indicators():
    records = {
        f"A{n}": building(
            f"A{n}",
            archive_level=None if done is None else "full",
            archive_completed_on=None if done is None else day(done),
        )  # fmt: skip
        for n, done in enumerate(ARCHIVE_GRID)
    }
    for offset in ON:
        on = day(offset)
        expected = {
            code for code, done in zip(records, ARCHIVE_GRID, strict=True)
            if done is not None and done <= offset
        }  # fmt: skip
        assert set(Record.objects.filter(archived_q(on)).values_list("code", flat=True)) == (
            expected
        ), on
        sql = f"SELECT r.code FROM {Record._meta.db_table} r WHERE {archived_sql('%s', 'r')}"
        assert raw_ids(sql, [on]) == expected, on
        assert {c for c, s in state_on(on).items() if s[3]} == expected, on
        assert indicator_report(as_of=on)["total"]["buildings_archived"] == len(expected), on


# --- Copies derived from one source ----------------------------------------------------------


def test_parent_kinds_come_from_allowed_parent_kinds_everywhere():
    regions = frozenset({"140728"})
    city = Record.objects.create(code="C", kind="city", name="C", level="national",
                                 region_id="140728")  # fmt: skip
    assert set(KINDS_WITH_PARENTS) | PARENTLESS_KINDS == set(Kind.values)
    for n, kind in enumerate(Kind.values):
        may = bool(ALLOWED_PARENT_KINDS[kind])
        assert (kind in KINDS_WITH_PARENTS) == may and (kind in PARENTLESS_KINDS) != may
        errors = validate.LineErrors(1)
        line = {"kind": kind, "code": f"X{n}", "name": "x", "level": "national",
                "region": "140728", "parent": "C"}  # fmt: skip
        validate.parse_record(line, errors, regions)
        assert ((1, "parent", f"a {kind} has no parent") in errors) != may, kind
        # The database's check constraint, built from the same table (a city parent is
        # allowed for every kind that may have a parent at all).
        try:
            with transaction.atomic():
                Record.objects.create(code=f"X{n}", kind=kind, name="x", level="national",
                                      region_id="140728", parent=city)  # fmt: skip
            stored = True
        except IntegrityError:
            stored = False
        assert stored == may, kind


def test_text_limits_are_the_model_fields_own_in_the_exchange_and_the_survey_import():
    for model, keys in LIMITED_KEYS.items():
        for key in keys:
            field = model._meta.get_field(key)
            limit = MAX_LENGTHS[key]
            field.run_validators("字" * limit)
            with pytest.raises(ValidationError):
                field.run_validators("字" * (limit + 1))
            assert validate._text({key: "字" * limit}, key, validate.LineErrors(1)) is not None
            errors = validate.LineErrors(1)
            assert validate._text({key: "字" * (limit + 1)}, key, errors) is None and errors
    assert MAX_LENGTHS["notes"] == SURVEY_NOTES_MAX_LENGTH


@pytest.mark.parametrize(("length", "ok"), [(SURVEY_NOTES_MAX_LENGTH, True),
                                            (SURVEY_NOTES_MAX_LENGTH + 1, False)])  # fmt: skip
def test_the_survey_import_takes_the_notes_the_registry_holds(client, length, ok):
    building("B0")
    client.force_login(user("s", "surveyor", password=None))
    header = "建筑编号,调查日期,使用状况,保存状况,用途,调查人,备注"
    data = f"\ufeff{header}\r\nB0,2024-05-01,空置,,,,{'字' * length}\r\n".encode()
    page = client.post(reverse("admin:registry_survey_import"),
                       {"file": SimpleUploadedFile("s.csv", data)})  # fmt: skip
    html = page.content.decode()
    assert ('class="row-ok"' in html, 'class="row-error"' in html) == (ok, not ok)


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_every_spreadsheet_refuses_or_neutralises_the_same_formula_starts(client, prefix):
    text = prefix + "1+1"
    building("B0")
    client.force_login(user("s", "surveyor", password=None))
    page = client.post(reverse("admin:registry_survey_import"), {"file": SimpleUploadedFile(
        "s.xlsx", _xlsx(["B0", "2024-05-01", "空置", "", "", text, ""]))})  # fmt: skip
    html = page.content.decode()
    if prefix.isspace():  # a cell is read stripped: "1+1" is what would be saved
        assert 'class="row-ok"' in html and 'class="row-error"' not in html
    else:
        assert 'class="row-error"' in html and "公式" in html
    record = {"kind": "city", "code": "C", "name": text, "name_en": None, "level": "national",
              "region": "140728", "parent": None, "designated_on": None, "revoked_on": None,
              "address": None, "lat": None, "lon": None, "era": None, "description": None,
              "description_en": None, "designation": None, "archive": None}  # fmt: skip
    assert csv_row(record, "2024-01-01")[2] == "'" + text
    report = {"as_of": "2024-01-01", "by": "province", "region": None, "level": None,
              "rows": [{"key": "140000", "label": text, **indicator_report(as_of=D)["total"]}],
              "total": indicator_report(as_of=D)["total"]}  # fmt: skip
    assert f"'{text}" in indicator_formats.to_csv(report).decode("utf-8-sig")


def _xlsx(row) -> bytes:
    book = Workbook()
    book.active.append(["建筑编号", "调查日期", "使用状况", "保存状况", "用途", "调查人", "备注"])
    book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_figures_are_one_list_for_tables_formula_api_and_downloads():
    for model in (IndicatorChange, IndicatorTotal):
        columns = [f.name for f in model._meta.fields if f.get_internal_type() == "IntegerField"]
        assert tuple(columns) == FIGURES
    assert tuple(figures_sql("k", "d", "p", "v", "u", "a")) == FIGURES
    for serializer in (FiguresSerializer(), RowSerializer()):
        fields = serializer.fields
        assert tuple(fields)[: len(FIGURES)] == FIGURES
        assert {n: fields[n].help_text for n in FIGURES} == FIGURE_LABELS
    headers = dict(indicator_formats.columns())
    assert {n: headers[n] for n in FIGURES} == {n: str(label) for n, label in FIGURE_LABELS.items()}


def test_the_catalog_page_offers_the_facets_the_selector_counts(client):
    building("B0")
    page = client.get("/")
    filters = catalog_selectors.FACETS
    assert [f["name"] for f in page.context["facets"]] == list(filters)
    from registry.filtersets import RecordFilterSet

    titles = {f["name"]: f["title"] for f in page.context["facets"]}
    for name in set(filters) - {"province"}:
        assert titles[name] == RecordFilterSet.base_filters[name].label
