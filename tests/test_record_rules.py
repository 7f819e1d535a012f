"""The exchange format's rules held by the models, the services and the admin too, so that
whatever the registry holds exports into a file it imports again (exchange.md: `code`,
`parent`, plaques on districts and buildings only, survey notes the importer takes)."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from registry.choices import SURVEY_NOTES_MAX_LENGTH
from registry.models import Plaque, Record
from registry.services import plaques as plaque_services
from registry.services import records as record_services
from registry.services import surveys as survey_services
from tests.exchange_helpers import city, jsonl, run_import, write
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 1, 1)


def make(code, kind, parent=None):
    return Record.objects.create(
        code=code, kind=kind, name=code, level="provincial", region_id="140728", parent=parent
    )


@pytest.fixture
def registrar():
    return user("g1", "registrar")


@pytest.fixture
def admin_client(client):
    client.force_login(user("root", superuser=True))
    return client


def _add_form(code, kind, parent=None):
    return {
        "code": code, "kind": kind, "name": "张氏宗祠", "level": "provincial", "region": "140728",
        "parent": parent.pk if parent else "", "edit_version": "",
        "record_photos-TOTAL_FORMS": 0, "record_photos-INITIAL_FORMS": 0,
    }  # fmt: skip


@pytest.mark.parametrize("code", ["宗 祠", "A B", "a/b", "B1é", "x" * 41])
def test_the_admin_refuses_a_code_the_format_cannot_carry(admin_client, code):
    response = admin_client.post(reverse("admin:registry_record_add"), _add_form(code, "city"))
    assert response.status_code == 200
    assert not Record.objects.exists()
    if len(code) <= 40:
        assert "编号只能由" in response.content.decode()


def test_the_model_refuses_a_code_with_a_line_end():
    # A form strips the value; a service or script handing the model "B1\n" is refused.
    with pytest.raises(ValidationError) as caught:
        Record(
            code="B1\n", kind="city", name="x", level="national", region_id="140728"
        ).full_clean()
    assert set(caught.value.message_dict) == {"code"}


@pytest.mark.parametrize(
    ("kind", "parent_kind", "allowed"),
    [
        ("building", "building", False),
        ("district", "building", False),
        ("district", "district", False),
        ("building", "district", True),
        ("building", "village", True),
        ("district", "town", True),
    ],
)
def test_a_parent_of_a_kind_the_format_does_not_allow_is_refused(
    admin_client, kind, parent_kind, allowed
):
    parent = make("P1", parent_kind)
    response = admin_client.post(
        reverse("admin:registry_record_add"), _add_form("C1", kind, parent)
    )
    assert Record.objects.filter(code="C1").exists() is allowed
    if not allowed:
        assert "不能隶属于" in response.content.decode()


def test_code_and_kind_never_change(admin_client, registrar):
    town = make("T1", "town")
    url = reverse("admin:registry_record_change", args=[town.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="code"' not in page and 'name="kind"' not in page  # shown, not editable
    form = {**_add_form("T1-renamed", "city"), "edit_version": town.version}
    admin_client.post(url, form)
    town.refresh_from_db()
    assert (town.code, town.kind) == ("T1", "town")
    for data in ({"kind": "city"}, {"code": "T2"}):
        with pytest.raises(ValidationError) as caught:
            record_services.record_update(user=registrar, record=town, data=data, version=1)
        assert set(caught.value.message_dict) == set(data)
    town.refresh_from_db()
    assert (town.code, town.kind, town.version) == ("T1", "town", 1)


def test_plaques_hang_on_districts_and_buildings_only(admin_client, registrar):
    city, building = make("C9", "city"), make("B9", "building")
    with pytest.raises(ValidationError):
        plaque_services.plaque_hang(user=registrar, record=city, number="1", on=DAY)
    form = {"record": city.pk, "number": "9", "installed_on": "2020-01-01", "removed_on": ""}
    response = admin_client.post(reverse("admin:registry_plaque_add"), form)
    assert "只有历史文化街区和历史建筑可以挂保护标志牌" in response.content.decode()
    assert not Plaque.objects.exists()
    plaque_services.plaque_hang(user=registrar, record=building, number="1", on=DAY)
    assert Plaque.objects.count() == 1


def test_survey_notes_the_importer_would_refuse_are_refused(registrar):
    building = make("B1", "building")
    surveyor = user("s1", "surveyor")
    data = {"surveyed_on": DAY, "occupancy": "vacant", "notes": "n" * SURVEY_NOTES_MAX_LENGTH}
    survey_services.survey_create(user=surveyor, building=building, data=data)
    too_long = {**data, "surveyed_on": DAY.replace(day=2), "notes": data["notes"] + "n"}
    with pytest.raises(ValidationError) as caught:
        survey_services.survey_create(user=surveyor, building=building, data=too_long)
    assert "notes" in caught.value.message_dict


def test_what_the_admin_lets_in_exports_into_a_file_that_imports(admin_client, tmp_path):
    city = make("C1", "city")
    admin_client.post(reverse("admin:registry_record_add"), _add_form("D1", "district", city))
    district = Record.objects.get(code="D1")
    admin_client.post(reverse("admin:registry_record_add"), _add_form("B1", "building", district))
    admin_client.post(reverse("admin:registry_record_add"), _add_form("B2", "building", city))
    assert Record.objects.count() == 4
    path = tmp_path / "all.jsonl"
    call_command("export_heritage", "--output", str(path))
    for kind in ("building", "district", "city"):  # the test's reset; the registry never deletes
        Record.objects.filter(kind=kind).delete()
    call_command("import_heritage", str(path), stdout=io.StringIO())
    again = tmp_path / "again.jsonl"
    call_command("export_heritage", "--output", str(again))
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.parametrize("name", ["   ", "\u200b", "\u3000\u200d", "\t"])
def test_a_name_nobody_could_see_is_blank_for_the_model_and_the_importer(name, tmp_path):
    with pytest.raises(ValidationError) as caught:
        Record(code="C1", kind="city", name=name, level="national", region_id="140728").full_clean()
    assert set(caught.value.message_dict) == {"name"}
    ok, _, err = run_import(write(tmp_path, jsonl(city(name=name))))
    assert not ok and "line 1: name: must not be blank" in err
