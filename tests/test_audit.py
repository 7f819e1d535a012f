"""The change log: admin saves and services log before/after; the importers' set-based log."""

import pytest
from django.db import connection
from django.urls import reverse

from registry.models import ChangeLog, Plaque, Record
from registry.services import audit
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db


def _record(code="B1", name="张氏宗祠"):
    return Record.objects.create(code=code, kind="building", name=name, level="provincial",
                                 region_id="140728", designated_on="2010-01-01")  # fmt: skip


def test_admin_plaque_inline_and_record_changes_are_logged(client):
    registrar = user("g", "registrar")
    record = _record()
    client.force_login(registrar)
    url = reverse("admin:registry_record_change", args=[record.pk])
    response = client.post(url, {
        "code": "B1", "kind": "building", "name": "张氏宗祠（新）", "level": "provincial",
        "region": "140728", "designated_on": "2010-01-01", "edit_version": record.version,
        "plaques-TOTAL_FORMS": 1, "plaques-INITIAL_FORMS": 0,
        "plaques-0-number": "PY-1", "plaques-0-installed_on": "2012-03-01",
        "record_photos-TOTAL_FORMS": 0, "record_photos-INITIAL_FORMS": 0,
        "record_photos-2-TOTAL_FORMS": 0, "record_photos-2-INITIAL_FORMS": 0,
        "documents-TOTAL_FORMS": 0, "documents-INITIAL_FORMS": 0,
        "documents-2-TOTAL_FORMS": 0, "documents-2-INITIAL_FORMS": 0,
    })  # fmt: skip
    assert response.status_code == 302
    change = ChangeLog.objects.get(object_type="registry.record", action="change")
    assert change.user == registrar and change.region_id == "140728"
    assert change.before["name"] == "张氏宗祠" and change.after["name"] == "张氏宗祠（新）"
    plaque = Plaque.objects.get()
    created = ChangeLog.objects.get(object_type="registry.plaque")
    assert created.action == "create" and created.object_id == plaque.pk
    assert created.after["number"] == "PY-1" and created.record_id == record.pk
    # The log is visible in the admin, read only.
    page = client.get(reverse("admin:registry_changelog_change", args=[change.pk]))
    assert page.status_code == 200 and "张氏宗祠（新）" in page.content.decode()


def test_record_import_logs_one_entry_per_record_with_before_and_after():
    old = _record("B1", "旧名")
    audit.log(user=None, action="create", obj=old)
    new = _record("B2", "新建")
    # B2 as if written where nothing logs (raw SQL): its ORM create was logged, forget that.
    ChangeLog.objects.filter(object_id=new.pk).delete()
    # What an importer does: change rows with SQL (no signals), then log them as a set.
    with connection.cursor() as cur:
        cur.execute("UPDATE registry_record SET name = %s WHERE id = %s", ["改名", old.pk])
    registrar = user("g", "registrar")
    count = audit.record_import(
        records_sql="SELECT id FROM registry_record WHERE code IN (%s, %s)",
        params=["B1", "B2"],
        user=registrar,
    )
    assert count == 2
    entries = {e.object_id: e for e in ChangeLog.objects.filter(action="import")}
    old.refresh_from_db()
    new.refresh_from_db()
    assert entries[old.pk].after == audit.snapshot(old)  # SQL and Python write the same JSON
    assert entries[new.pk].after == audit.snapshot(new)
    assert entries[old.pk].before["name"] == "旧名" and entries[old.pk].after["name"] == "改名"
    assert entries[new.pk].before is None
    assert entries[old.pk].user == registrar and entries[old.pk].region_id == "140728"
    assert entries[old.pk].object_repr == "B1 改名"
    assert (old.version, new.version) == (2, 2)  # open admin forms cannot overwrite the import


def test_log_bulk_for_plaques():
    record = _record()
    Plaque.objects.bulk_create([Plaque(record=record, number=f"P{i}", installed_on="2011-01-01")
                                for i in range(3)])  # fmt: skip
    count = audit.log_bulk(model=Plaque, ids_sql="SELECT id FROM registry_plaque")
    assert count == 3
    numbers = sorted(
        e.after["number"] for e in ChangeLog.objects.filter(object_type="registry.plaque")
    )
    assert numbers == ["P0", "P1", "P2"]
    assert set(ChangeLog.objects.values_list("record_id", flat=True)) == {record.pk}


def test_a_plain_orm_save_of_a_record_is_logged_once_with_no_user():
    record = _record()
    created = ChangeLog.objects.get(object_type="registry.record", object_id=record.pk)
    assert created.action == "create" and created.user is None and created.before is None
    plain = Record.objects.get(pk=record.pk)
    plain.name = "改名"
    plain.save()
    change = ChangeLog.objects.get(object_type="registry.record", action="change")
    assert change.user is None and change.record_id == record.pk
    assert change.before["name"] == "张氏宗祠" and change.after["name"] == "改名"
    # Its version moved on, as a service's save would: a form opened before is refused.
    assert Record.objects.get(pk=record.pk).version == plain.version == record.version + 1


def test_a_service_save_is_logged_once_by_the_service():
    from registry.services.records import record_update

    registrar = user("g", "registrar")
    record = _record()
    ChangeLog.objects.all().delete()
    saved = record_update(user=registrar, record=record, data={"name": "改名"},
                          version=record.version)  # fmt: skip
    entry = ChangeLog.objects.get()  # exactly one: the service's, not also the signal's
    assert entry.user == registrar and entry.action == "change"
    assert entry.before["name"] == "张氏宗祠" and entry.after["name"] == "改名"
    assert saved.version == record.version + 1  # once, not twice
