"""Survey spreadsheet import (preview, all or nothing, formula-safe), plaque sheets, and the
admin lists' query budgets."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from PIL import Image

from registry.models import ChangeLog, Plaque, Record, Survey
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db
HEADER = ["建筑编号", "调查日期", "使用状况", "保存状况", "用途", "调查人", "备注"]


@pytest.fixture
def setup(client):
    for i in range(3):
        Record.objects.create(
            code=f"B{i}",
            kind="building",
            name=f"宅{i}",
            level="provincial",
            region_id="140728",
            designated_on="2010-01-01",
        )
    Record.objects.create(
        code="FAR", kind="building", name="北京宅", level="provincial", region_id="110101"
    )
    surveyor = user("s", "surveyor")
    client.force_login(surveyor)
    return client, surveyor


def _xlsx(rows) -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, name, data):
    url = reverse("admin:registry_survey_import")
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def test_xlsx_preview_then_confirm_saves_all(setup):
    client, surveyor = setup
    rows = [
        ["B0", "2024-05-01", "空置", "差", "", "张三", ""],
        ["B1", "2024/5/2", "在用", "", "", "", ""],
    ]
    page = _upload(client, "s.xlsx", _xlsx(rows))
    html = page.content.decode()
    assert page.status_code == 200 and html.count('class="row-ok"') == 2
    assert Survey.objects.count() == 0  # a preview saves nothing
    token = page.context["token"]
    assert client.post(reverse("admin:registry_survey_import"), {"token": token}).status_code == 302
    surveys = Survey.objects.order_by("building__code")
    assert [(s.building.code, str(s.surveyed_on), s.occupancy, s.state) for s in surveys] == [
        ("B0", "2024-05-01", "vacant", "draft"),
        ("B1", "2024-05-02", "in_use", "draft"),
    ]
    assert all(s.created_by == surveyor for s in surveys)
    assert ChangeLog.objects.filter(action="import", object_type="registry.survey").count() == 2


def test_any_error_and_nothing_is_saved(setup):
    client, _ = setup
    csv = (
        "\ufeff" + ",".join(HEADER) + "\r\n"
        "B0,2024-05-01,空置,,,,\r\n"
        "FAR,2024-05-01,空置,,,,\r\n"  # another region's building
        "B1,2024-13-01,空置,,,,\r\n"  # no such day
        "B2,2024-05-01,半空,,,,\r\n"  # not an occupancy
        'B0,2024-05-02,在用,,"=HYPERLINK(""http://x"")",,\r\n'
    ).encode()
    page = _upload(client, "s.csv", csv)
    html = page.content.decode()
    assert html.count('class="row-error"') == 4 and html.count('class="row-ok"') == 1
    assert "确认导入全部行" not in html
    assert "公式" in html and "半空" in html
    from registry.services.survey_import import import_rows

    with pytest.raises(ValidationError):
        import_rows(
            user=page.wsgi_request.user, rows=page.wsgi_request.session["survey_import"]["rows"]
        )
    assert Survey.objects.count() == 0


def test_formula_cells_in_xlsx_are_refused(setup):
    client, _ = setup
    page = _upload(client, "s.xlsx", _xlsx([["B0", "2024-05-01", "空置", "", "=1+1", "", ""]]))
    assert 'class="row-error"' in page.content.decode()


def test_blank_templates(setup):
    client, _ = setup
    xlsx = client.get(reverse("admin:registry_survey_template_xlsx"))
    header = next(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert list(header) == HEADER
    csv = client.get(reverse("admin:registry_survey_template_csv")).content.decode("utf-8-sig")
    assert csv.strip().split(",") == HEADER


def test_plaque_sheet_png_and_pdf(setup):
    client, _ = setup
    records = Record.objects.filter(code__in=["B0", "B1"])
    Plaque.objects.create(record=records[0], number="PY-7", installed_on="2012-01-01")
    url = reverse("admin:registry_record_changelist")
    data = {"action": "plaque_sheet_png", "_selected_action": [r.pk for r in records]}
    response = client.post(url, data)
    assert response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
        assert image.width > image.height  # one row of two cards
    data["action"] = "plaque_sheet_pdf"
    response = client.post(url, data)
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_qr_holds_the_public_page(setup, monkeypatch):
    client, _ = setup
    from registry.admin import plaques as plaque_admin

    seen = []
    monkeypatch.setattr(plaque_admin, "sheet", lambda cards, fmt: seen.extend(cards) or [])
    b0 = Record.objects.get(code="B0")
    client.post(
        reverse("admin:registry_record_changelist"),
        {"action": "plaque_sheet_png", "_selected_action": [b0.pk]},
    )
    # The public address (tests/test_public_url.py), here the development default.
    assert seen[0].url == "http://127.0.0.1:8000" + reverse("catalog-record", args=["B0"])
    assert (seen[0].name, seen[0].code) == ("宅0", "B0")


@pytest.mark.parametrize("model", ["record", "plaque", "survey", "photo", "changelog"])
def test_changelist_query_budget_does_not_grow(client, model, django_assert_max_num_queries):
    surveyor = user("s", "surveyor")
    client.force_login(surveyor)

    def grow(n):
        for i in range(n):
            r = Record.objects.create(
                code=f"Q{model}{Record.objects.count()}-{i}",
                kind="building",
                name="宅",
                level="national",
                region_id="140728",
            )
            Plaque.objects.create(record=r, number="N", installed_on="2011-01-01")
            Survey.objects.create(
                building=r, surveyed_on="2020-01-01", occupancy="in_use", created_by=surveyor
            )

    url = reverse(f"admin:registry_{model}_changelist")
    grow(3)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    grow(20)
    with django_assert_max_num_queries(12):
        assert client.get(url + "?q=宅" if model == "record" else url).status_code == 200


def test_qr_code_is_segnos_own_drawing():
    """The card draws the QR code from segno's matrix: the same pixels as segno's own PNG."""
    import segno

    from registry.services.plaques import _qr

    url = "https://heritage.example.gov.cn/records/B0/"
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=1, border=2)
    expected = Image.open(out).convert("L").resize((560, 560), Image.Resampling.NEAREST)
    assert _qr(url, 560).tobytes() == expected.tobytes()
