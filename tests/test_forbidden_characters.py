"""No text of the registry holds a NUL or a surrogate, whichever way it comes in: the survey
import (csv and xlsx, preview and confirm), the admin's forms and buttons, the services. Each
refuses it with a clear message (never a 500: PostgreSQL cannot even take a NUL as a query
parameter), by one rule (choices.forbidden_character) that the exchange importer holds too;
and check_heritage lists such values stored before (SQLite can hold a NUL).
"""

import datetime
import hashlib
import io
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.urls import reverse

from registry.choices import NUL_REASON, SURROGATE_REASON, validate_text
from registry.models import ChangeLog, Photo, Plaque, Record, Survey
from registry.services import photos as photo_services
from registry.services import plaques as plaque_services
from registry.services import records as record_services
from registry.services import surveys as survey_services
from tests.exchange_helpers import city, run_import, write
from tests.workflow_builders import jpeg_bytes, user

from .xlsx_builders import HEADER, row, sheet, xlsx

pytestmark = pytest.mark.django_db
NUL = "宅\x00一"
SURROGATE = "宅\ud800一"
NUL_MESSAGE = "含有空字符（NUL），不能保存。"
SURROGATE_MESSAGE = "含有无效字符（不成对的 Unicode 代理项），不能保存。"
DAY = datetime.date(2024, 5, 1)
# Tables derived from the others, or written only by the registry itself from values that
# passed the rule: no person's text goes into them.
DERIVED = {"ChangeLog", "SearchDoc", "IndicatorChange", "IndicatorTotal", "RegionAssignment"}


@pytest.fixture
def people():
    return {
        "surveyor": user("s1", "surveyor", password=None),
        "reviewer": user("r1", "reviewer", password=None),
        "registrar": user("g1", "registrar", password=None),
    }


@pytest.fixture
def building():
    return Record.objects.create(code="B0", kind="building", name="宅", level="provincial",
                                 region_id="140728", designated_on="2010-01-01")  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_every_text_field_a_person_writes_holds_the_rule():
    missing = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("registry").get_models()
        if model.__name__ not in DERIVED
        for field in model._meta.get_fields()
        if isinstance(field, (models.CharField, models.TextField))
        and not field.choices
        and validate_text not in field.validators
    ]
    assert missing == []


# The survey import


def _upload(client, name, data):
    return client.post(
        reverse("admin:registry_survey_import"), {"file": SimpleUploadedFile(name, data)}
    )


def _confirm(client, page):
    response = client.post(
        reverse("admin:registry_survey_import"), {"token": page.context["token"]}, follow=True
    )
    assert response.status_code == 200
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _csv(*rows) -> bytes:
    lines = [",".join(HEADER), *(",".join(r) for r in rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_survey_import_refuses_them_at_preview_and_at_confirm(client, people, building, kind):
    client.force_login(people["surveyor"])
    rows = [
        ["B0", "2024-05-01", "空置", "", "", "", NUL],  # line 2: notes
        ["B0\x00", "2024-05-02", "空置", "", "", "", ""],  # line 3: the code looked up
        ["B0", "2024-05-03", "空置", "", "", "", "好"],  # line 4: fine
    ]
    if kind == "csv":
        data = _csv(*rows)
    else:
        # XML cannot hold a NUL or a surrogate; OOXML writes them escaped, as Excel reads them.
        cells = row(1, HEADER) + "".join(row(i, r) for i, r in enumerate(rows, start=2))
        cells = cells.replace("\x00", "_x0000_").replace(">好<", ">_xD800_<")
        data = xlsx(sheet(cells))
    page = _upload(client, f"s.{kind}", data)
    assert page.status_code == 200
    errors = {line: errors for line, _values, errors in page.context["rows"]}
    assert errors[2] == ["备注：" + NUL_MESSAGE]
    assert errors[3] == ["建筑编号：" + NUL_MESSAGE]
    assert errors[4] == ([] if kind == "csv" else ["备注：" + SURROGATE_MESSAGE])
    html = page.content.decode()
    assert "\x00" not in html and "确认导入全部行" not in html
    said = _confirm(client, page)
    assert "未导入任何数据" in said and f"第 2 行：备注：{NUL_MESSAGE}" in said
    assert not Survey.objects.exists()


def test_the_service_of_the_survey_import_refuses_them_too(people, building):
    from registry.services.survey_import import import_rows

    rows = [(2, {"building": "B0", "surveyed_on": "2024-05-01", "occupancy": "空置",
                 "surveyor": SURROGATE})]  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        import_rows(user=people["surveyor"], rows=rows)
    assert f"第 2 行：调查人：{SURROGATE_MESSAGE}" in caught.value.messages
    assert not Survey.objects.exists()


# The services


def _draft(people, building, **data):
    return survey_services.survey_create(
        user=people["surveyor"], building=building,
        data={"surveyed_on": DAY, "occupancy": "vacant", **data},
    )  # fmt: skip


def _submitted(people, building):
    draft = _draft(people, building)
    return survey_services.survey_submit(
        user=people["surveyor"], survey=draft, version=draft.version
    )


WRITES = {
    "record_create": lambda p, b, text: record_services.record_create(
        user=p["registrar"],
        data={
            "code": "C1",
            "kind": "city",
            "name": "城",
            "level": "national",
            "region_id": "140728",
            "address": text,
        },
    ),  # fmt: skip
    "record_update": lambda p, b, text: record_services.record_update(
        user=p["registrar"], record=b, data={"name_en": text}, version=b.version
    ),
    "plaque_hang": lambda p, b, text: plaque_services.plaque_hang(
        user=p["registrar"], record=b, number=text, on=DAY
    ),
    "survey_create": lambda p, b, text: _draft(p, b, notes=text),
    "survey_update": lambda p, b, text: survey_services.survey_update(
        user=p["surveyor"], survey=(d := _draft(p, b)), data={"use": text}, version=d.version
    ),
    "survey_reject": lambda p, b, text: survey_services.survey_reject(
        user=p["reviewer"],
        survey=(s := _submitted(p, b)),
        reason=text,
        version=s.version,
    ),
    "photo_attach": lambda p, b, text: photo_services.photo_attach(
        user=p["surveyor"],
        record=b,
        caption=text,
        upload=SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"),
    ),  # fmt: skip
}


def _stored():
    texts = []
    for model in (Record, Plaque, Survey, Photo):
        fields = [f.name for f in model._meta.fields if validate_text in f.validators]
        texts += [v for row in model.objects.values_list(*fields) for v in row if v]
    return texts


@pytest.mark.parametrize("text, message", [(NUL, NUL_MESSAGE), (SURROGATE, SURROGATE_MESSAGE)])
@pytest.mark.parametrize("write", list(WRITES))
def test_every_service_refuses_them(people, building, write, text, message):
    with pytest.raises(ValidationError) as caught:
        WRITES[write](people, building, text)
    assert message in caught.value.messages
    assert not any(text in stored for stored in _stored())


# The admin


def _formsets(*prefixes):
    return {f"{p}-{key}": 0 for p in prefixes for key in ("TOTAL_FORMS", "INITIAL_FORMS")}


@pytest.mark.parametrize(
    "url, form",
    [
        ("admin:registry_record_add", {
            "code": "C1", "kind": "city", "name": NUL, "level": "national", "region": "140728",
            "parent": "", "edit_version": "", **_formsets("record_photos")}),
        ("admin:registry_plaque_add", {
            "record": "{building}", "number": NUL, "installed_on": "2020-01-01",
            "removed_on": ""}),
        ("admin:registry_survey_add", {
            "building": "{building}", "surveyed_on": "2024-05-01", "occupancy": "vacant",
            "condition": "", "use": "", "surveyor": NUL, "notes": "",
            **_formsets("survey_photos", "survey_photos-2")}),
    ],
    ids=["record", "plaque", "survey"],
)  # fmt: skip
def test_the_admin_forms_refuse_a_nul(client, building, url, form):
    client.force_login(user("root", superuser=True, password=None))
    form = {k: str(building.pk) if v == "{building}" else v for k, v in form.items()}
    before = (Record.objects.count(), Plaque.objects.count(), Survey.objects.count())
    response = client.post(reverse(url), form)
    # The site's one rule (registry.middleware.NulParameterMiddleware): a NUL in any parameter
    # is a 400 before a form is built; the model's validator stands behind it for the services.
    assert response.status_code == 400
    assert (Record.objects.count(), Plaque.objects.count(), Survey.objects.count()) == before


def _record_change(building, **changes):
    return {
        "code": "B0", "kind": "building", "name": "宅", "level": "provincial",
        "region": "140728", "parent": "", "designated_on": "2010-01-01", "address": "",
        "edit_version": building.version,
        **_formsets("plaques", "record_photos", "documents", "documents-2"),
        "record_photos-2-TOTAL_FORMS": 1, "record_photos-2-INITIAL_FORMS": 0,
        "record_photos-2-0-caption": "",
        "record_photos-2-0-upload": SimpleUploadedFile("p.jpg", jpeg_bytes(), "image/jpeg"),
        **changes,
    }  # fmt: skip


def test_the_admin_record_change_and_its_photo_caption_refuse_a_nul(client, building):
    client.force_login(user("root", superuser=True, password=None))
    url = reverse("admin:registry_record_change", args=[building.pk])
    response = client.post(url, _record_change(building, address=NUL))
    assert response.status_code == 400
    response = client.post(url, _record_change(building, **{"record_photos-2-0-caption": NUL}))
    assert response.status_code == 400
    assert not Photo.objects.exists() and Record.objects.get().address is None


def test_the_admin_reject_button_refuses_a_nul_reason(client, people, building):
    survey = _submitted(people, building)
    client.force_login(people["reviewer"])
    url = reverse("admin:registry_survey_reject", args=[survey.pk])
    response = client.post(url, {"reason": "照片\x00不清", "version": survey.version})
    assert response.status_code == 400
    survey.refresh_from_db()
    assert survey.state == "submitted" and survey.rejection_reason is None


# The exchange importer: the same rule, in its own words


@pytest.mark.parametrize("text, reason", [(NUL, NUL_REASON), (SURROGATE, SURROGATE_REASON)])
def test_the_exchange_importer_refuses_them_by_the_same_rule(tmp_path, text, reason):
    line = json.dumps(city(name=text)) + "\n"  # \ud800 escaped: the file itself is UTF-8
    ok, _, err = run_import(write(tmp_path, line.encode()))
    assert not ok and f"line 1: name: {reason}" in err


# What is stored already


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL stores no NUL: nothing to find there"
)
def test_check_heritage_lists_the_nuls_stored_before(people, building):
    plaque = Plaque.objects.create(record=building, number="1", installed_on="2020-01-01")
    draft = _draft(people, building)
    photo = Photo.objects.create(record=building, image="a.jpg", thumbnail="t.jpg", width=1,
                                 height=1)  # fmt: skip
    Record.objects.filter(pk=building.pk).update(name="宅\x00")  # around every rule
    Plaque.objects.filter(pk=plaque.pk).update(number="\x001")
    Survey.objects.filter(pk=draft.pk).update(notes="n\x00")  # a draft: not even exported
    Photo.objects.filter(pk=photo.pk).update(caption="\x00")
    out = io.StringIO()
    with pytest.raises(CommandError, match="4 problem"):
        call_command("check_heritage", stdout=out, stderr=io.StringIO())
    assert sorted(out.getvalue().splitlines()) == [
        f"B0: caption: {NUL_REASON} (photo {photo.pk})",
        f"B0: name: {NUL_REASON}",
        f"B0: notes: {NUL_REASON} (survey {draft.pk})",
        f"B0: number: {NUL_REASON} (plaque {plaque.pk})",
    ]


def _inject(directory, model: str, pk: int, field: str, value: str) -> None:
    """A value in the backup's rows, as a backup of a registry that held it has it."""
    data = directory / "data.jsonl"
    lines = []
    for line in data.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["model"] == model and item["pk"] == pk:
            item["fields"][field] = value
            line = json.dumps(item)  # a surrogate escaped, as JSON may hold one
        lines.append(line)
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["files"]["data.jsonl"] = {
        "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
        "size": data.stat().st_size,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("text", ["n\x00", "n\ud800"], ids=["nul", "surrogate"])
def test_a_backup_holding_one_is_restored_where_it_can_be_and_named_where_not(
    people, building, tmp_path, text
):
    draft = _draft(people, building)  # a draft: no export holds it, only the backup
    # Unsigned: the test edits the rows as an old registry would have held them.
    call_command("backup_heritage", str(tmp_path / "b"), "--unsigned", stderr=io.StringIO())
    _inject(tmp_path / "b", "registry.survey", draft.pk, "notes", text)
    ChangeLog.objects.all().delete()
    Survey.objects.all().delete()
    Record.objects.all().delete()
    get_user_model().objects.all().delete()
    storable = text == "n\x00" and connection.vendor == "sqlite"
    if storable:  # SQLite holds it: the backup restores, and check_heritage then lists it
        call_command(
            "restore_heritage", str(tmp_path / "b"), "--trust-unsigned", stdout=io.StringIO()
        )
        assert Survey.objects.get().notes == text
        return
    with pytest.raises(CommandError) as caught:
        call_command(
            "restore_heritage", str(tmp_path / "b"), "--trust-unsigned", stdout=io.StringIO()
        )
    reason = NUL_REASON if "\x00" in text else SURROGATE_REASON
    assert f"registry.Survey {draft.pk}: notes: {reason}" in str(caught.value)
    assert not Record.objects.exists() and not Survey.objects.exists()
