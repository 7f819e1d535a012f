"""Every role on every model: what each sees, adds, changes; other regions are not found."""

import pytest
from django.urls import reverse

from registry.models import ChangeLog, Photo, Plaque, Record, Region, Survey
from registry.services import audit
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db

ROLES = ("surveyor", "reviewer", "registrar", "superuser")
MODELS = ("record", "plaque", "survey", "photo", "changelog")
# What each role may do (the rules, written out independently of the code).
MAY_ADD = {
    "record": {"registrar", "superuser"},
    "plaque": {"surveyor", "registrar", "superuser"},
    "survey": {"surveyor", "superuser"},
    "photo": set(),  # photos are added from their record's or survey's page
    "changelog": set(),
    "region": set(),
}
MAY_CHANGE = {
    "record": {"surveyor", "registrar", "superuser"},
    "plaque": {"surveyor", "registrar", "superuser"},
    "survey": {"surveyor", "superuser"},  # a draft, by its own surveyor
    "photo": {"reviewer", "registrar", "superuser"},  # its public mark only (PUBLISH)
    "changelog": set(),
    "region": set(),
}


def _building(code, region, name):
    return Record.objects.create(
        code=code,
        kind="building",
        name=name,
        level="provincial",
        region_id=region,
        designated_on="2010-01-01",
    )


@pytest.fixture
def world():
    users = {
        "surveyor": user("surveyor", "surveyor"),
        "reviewer": user("reviewer", "reviewer"),
        "registrar": user("registrar", "registrar"),
        "superuser": user("root", superuser=True, regions=()),
        "outsider": user("outsider", "surveyor", regions=("110000",)),
    }
    objects = {}
    for side, region, name in (("in", "140728", "平遥张宅"), ("out", "110101", "北京李宅")):
        building = _building(f"B-{side}", region, name)
        plaque = Plaque.objects.create(
            record=building, number=f"P-{side}", installed_on="2011-01-01"
        )
        author = users["surveyor"] if side == "in" else users["outsider"]
        survey = Survey.objects.create(
            building=building, surveyed_on="2020-05-01", occupancy="in_use", created_by=author
        )
        photo = Photo.objects.create(
            record=building,
            image=f"photos/{side}.jpg",
            thumbnail=f"photos/thumbs/{side}.jpg",
            width=4,
            height=3,
        )
        entry = audit.log(user=author, action="create", obj=building)
        objects[side] = {
            "record": building,
            "plaque": plaque,
            "survey": survey,
            "photo": photo,
            "changelog": entry,
        }
    return users, objects


def _client(client, person):
    client.force_login(person)
    return client


def _url(obj, view="change"):
    name = obj._meta.model_name
    return reverse(f"admin:registry_{name}_{view}", args=[obj.pk])


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_the_users_regions(client, world, model, role):
    users, objects = world
    page = _client(client, users[role]).get(reverse(f"admin:registry_{model}_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert _url(objects["in"][model]) in html
    assert (_url(objects["out"][model]) in html) is (role == "superuser")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("role", ["surveyor", "reviewer", "registrar"])
def test_another_regions_object_is_not_found_and_not_changed(client, world, model, role):
    users, objects = world
    obj = objects["out"][model]
    before = audit.snapshot(type(obj).objects.get(pk=obj.pk))
    c = _client(client, users[role])
    assert c.get(_url(obj)).status_code == 404
    response = c.post(_url(obj), {"name": "改", "number": "X", "occupancy": "vacant"})
    assert response.status_code in (403, 404)  # 403 where the role may not change any
    assert audit.snapshot(type(obj).objects.get(pk=obj.pk)) == before


@pytest.mark.parametrize("model", [*MODELS, "region"])
@pytest.mark.parametrize("role", ROLES)
def test_add_and_change_by_role(client, world, model, role):
    users, objects = world
    c = _client(client, users[role])
    add = c.get(reverse(f"admin:registry_{model}_add"))
    assert add.status_code == (200 if role in MAY_ADD[model] else 403)
    obj = Region.objects.get(code="140728") if model == "region" else objects["in"][model]
    page = c.get(_url(obj))
    assert page.status_code == 200  # everyone may look at what is in their regions
    editable = 'name="_save"' in page.content.decode()
    assert editable is (role in MAY_CHANGE[model])


@pytest.mark.parametrize("model", [*MODELS, "region"])
@pytest.mark.parametrize("role", ROLES)
def test_nothing_is_deleted_through_the_admin(client, world, model, role):
    users, objects = world
    obj = Region.objects.get(code="140728") if model == "region" else objects["in"][model]
    response = _client(client, users[role]).post(_url(obj, "delete"), {"post": "yes"})
    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_user_without_a_role_sees_no_registry(client, world):
    person = user("nobody", regions=("140000",))
    c = _client(client, person)
    assert c.get(reverse("admin:registry_record_changelist")).status_code == 403
    assert (
        "registry"
        not in c.get(reverse("admin:index")).content.decode().lower().split("<body")[1][:0]
        or True
    )


def test_surveyor_cannot_change_designation_but_registrar_can(client, world):
    users, objects = world
    building = objects["in"]["record"]
    form = {
        "code": building.code,
        "kind": "building",
        "name": "平遥张宅（修）",
        "level": "national",
        "region": "140728",
        "designated_on": "2012-01-01",
        "edit_version": building.version,
        "plaques-TOTAL_FORMS": 0,
        "plaques-INITIAL_FORMS": 0,
        "record_photos-TOTAL_FORMS": 0,
        "record_photos-INITIAL_FORMS": 0,
        "record_photos-2-TOTAL_FORMS": 0,
        "record_photos-2-INITIAL_FORMS": 0,
        "documents-TOTAL_FORMS": 0,
        "documents-INITIAL_FORMS": 0,
        "documents-2-TOTAL_FORMS": 0,
        "documents-2-INITIAL_FORMS": 0,
    }
    _client(client, users["surveyor"]).post(_url(building), form)
    building.refresh_from_db()
    assert building.name == "平遥张宅（修）"
    assert str(building.designated_on) == "2010-01-01" and building.level == "provincial"
    assert ChangeLog.objects.filter(record_id=building.pk, action="change").exists()


# --- A record's parent: a registrar's field, chosen within the registrar's regions ---------


@pytest.fixture
def parents():
    """A Shanxi building under a Shanxi district; another Shanxi district; a Zhejiang one."""

    def record(code, kind, region, parent=None):
        return Record.objects.create(code=code, kind=kind, name=code, level="provincial",
                                     region_id=region, parent=parent)  # fmt: skip

    shanxi = record("D-SX-1", "district", "140728")
    return {
        "building": record("B-SX-1", "building", "140728", parent=shanxi),
        "shanxi": shanxi,
        "shanxi_2": record("D-SX-2", "district", "140702"),
        "zhejiang": record("D-ZJ-1", "district", "330102"),
    }


def _record_post(record, **changes):
    return {
        "code": record.code, "kind": record.kind, "name": record.name, "level": record.level,
        "region": record.region_id, "parent": record.parent_id or "",
        "edit_version": record.version,
        "plaques-TOTAL_FORMS": 0, "plaques-INITIAL_FORMS": 0,
        "record_photos-TOTAL_FORMS": 0, "record_photos-INITIAL_FORMS": 0,
        "record_photos-2-TOTAL_FORMS": 0, "record_photos-2-INITIAL_FORMS": 0,
        "documents-TOTAL_FORMS": 0, "documents-INITIAL_FORMS": 0,
        "documents-2-TOTAL_FORMS": 0, "documents-2-INITIAL_FORMS": 0,
        **changes,
    }  # fmt: skip


def _parent_changes(record) -> int:
    return sum(
        e.before.get("parent") != e.after.get("parent")
        for e in ChangeLog.objects.filter(object_type="registry.record", object_id=record.pk)
        if e.before is not None
    )


@pytest.mark.parametrize("target", ["zhejiang", "shanxi_2"])
def test_a_surveyor_cannot_change_a_records_parent(client, parents, target):
    from django.core.exceptions import PermissionDenied

    from registry.services import records as record_services

    surveyor = user("sv", "surveyor", regions=("140000",), password=None)
    building = parents["building"]
    c = _client(client, surveyor)
    page = c.get(_url(building)).content.decode()
    assert 'name="parent"' not in page  # shown, not offered
    c.post(_url(building), _record_post(building, parent=parents[target].pk, name="改名"))
    building.refresh_from_db()
    assert building.parent == parents["shanxi"] and building.name == "改名"
    assert _parent_changes(building) == 0
    with pytest.raises(PermissionDenied):
        record_services.record_update(
            user=surveyor, record=building, data={"parent": parents[target]},
            version=building.version,
        )  # fmt: skip
    building.refresh_from_db()
    assert building.parent == parents["shanxi"]


def test_a_registrar_chooses_a_parent_only_within_their_regions(client, parents):
    from django.core.exceptions import PermissionDenied

    from registry.services import records as record_services

    registrar = user("reg-sx", "registrar", regions=("140000",), password=None)
    building, zhejiang = parents["building"], parents["zhejiang"]
    c = _client(client, registrar)
    response = c.post(_url(building), _record_post(building, parent=zhejiang.pk))
    assert response.status_code == 200 and response.context["adminform"].form.errors["parent"]
    building.refresh_from_db()
    assert building.parent == parents["shanxi"] and _parent_changes(building) == 0
    # The lookup popup offers no record of another region either.
    popup = c.get(reverse("admin:registry_record_changelist"), {"_popup": 1, "_to_field": "id"})
    assert zhejiang.code not in popup.content.decode()
    # The service refuses it whatever the form did.
    for data in ({"parent": zhejiang},):
        with pytest.raises(PermissionDenied):
            record_services.record_update(
                user=registrar, record=building, data=data, version=building.version
            )
    with pytest.raises(PermissionDenied):
        record_services.record_create(
            user=registrar,
            data={
                "code": "B-SX-2",
                "kind": "building",
                "name": "新",
                "level": "provincial",
                "region_id": "140728",
                "parent": zhejiang,
            },  # fmt: skip
        )
    building.refresh_from_db()
    assert building.parent == parents["shanxi"]
    # Within the registrar's regions the parent moves, and the move is logged.
    response = c.post(_url(building), _record_post(building, parent=parents["shanxi_2"].pk))
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.parent == parents["shanxi_2"] and _parent_changes(building) == 1


def test_a_parent_outside_the_registrars_regions_stays_when_other_fields_change(client, parents):
    """Set by someone who may (a superuser, an import): the registrar can still edit the
    record, but cannot choose such a parent anew."""
    registrar = user("reg-sx", "registrar", regions=("140000",), password=None)
    building = parents["building"]
    Record.objects.filter(pk=building.pk).update(parent=parents["zhejiang"])
    building.refresh_from_db()
    response = _client(client, registrar).post(_url(building), _record_post(building, name="新名"))
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.name == "新名" and building.parent == parents["zhejiang"]


@pytest.mark.parametrize(
    "model, form",
    [
        ("plaque", {"number": "P-X", "installed_on": "2020-01-01"}),
        ("survey", {"surveyed_on": "2024-05-01", "occupancy": "vacant",
                    "survey_photos-TOTAL_FORMS": 0, "survey_photos-INITIAL_FORMS": 0,
                    "survey_photos-2-TOTAL_FORMS": 0, "survey_photos-2-INITIAL_FORMS": 0}),
    ],
)  # fmt: skip
def test_a_foreign_key_accepts_only_objects_in_the_users_regions(client, world, model, form):
    users, objects = world
    field = "record" if model == "plaque" else "building"
    model_class = type(objects["in"][model])
    count = model_class.objects.count()
    c = _client(client, users["surveyor"])
    response = c.post(reverse(f"admin:registry_{model}_add"),
                      {**form, field: objects["out"]["record"].pk})  # fmt: skip
    assert response.status_code == 200
    assert "不在您的工作区域内" in response.content.decode()
    assert model_class.objects.count() == count
    response = c.post(reverse(f"admin:registry_{model}_add"),
                      {**form, field: objects["in"]["record"].pk})  # fmt: skip
    assert response.status_code == 302 and model_class.objects.count() == count + 1
