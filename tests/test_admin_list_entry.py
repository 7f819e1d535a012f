"""The record's list entry in the admin (exchange.md version 2): shown, edited, checked by the
model's rules, logged; the designation's texts are a registrar's, as its day is."""

import pytest
from django.test import Client
from django.urls import reverse

from registry.models import ChangeLog, Record
from tests.admin_forms import change_form
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db


def browser(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def record(code, kind, **fields):
    return Record.objects.create(code=code, kind=kind, name="张氏宗祠", level="provincial",
                                 region_id="140728", **fields)  # fmt: skip


def url(obj) -> str:
    return reverse("admin:registry_record_change", args=[obj.pk])


def test_a_registrar_edits_the_list_entry_and_the_change_is_logged():
    building = record("B1", "building", designated_on="2010-01-01")
    client = browser(user("reg", "registrar", password=None))
    page = client.get(url(building))
    html = page.content.decode()
    assert "列表条目" in html
    for field in ("era", "description", "description_en", "designation_batch",
                  "designation_document", "designation_authority", "archive_level",
                  "archive_completed_on"):  # fmt: skip
        assert f'name="{field}"' in html, field
    form = change_form(page)
    form.update(era="清代", description="第一段\r\n第二段", designation_batch="第三批",
                designation_document="晋政发〔2015〕3号", archive_level="typical",
                archive_completed_on="2020-05-06")  # fmt: skip
    response = client.post(url(building), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    building.refresh_from_db()
    assert (building.era, building.designation_batch, building.archive_level) == (
        "清代",
        "第三批",
        "typical",
    )
    assert building.description == "第一段\n第二段"  # a textarea's line ends, as the format's
    assert building.designation_authority is None and building.description_en is None
    entry = ChangeLog.objects.filter(object_id=building.pk).latest("id")
    assert entry.after["era"] == "清代" and entry.before["era"] is None
    assert entry.after["archive_completed_on"] == "2020-05-06"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"archive_level": "full"}, "测绘建档等级和完成日期须同时填写。"),
        ({"archive_completed_on": "2020-01-01"}, "测绘建档等级和完成日期须同时填写。"),
        ({"era": "清" * 201}, "200"),
        ({"description": "字" * 20_001}, "20000"),
    ],
)
def test_bad_list_entries_are_refused_and_nothing_saved(change, message):
    building = record("B1", "building")
    client = browser(user("reg", "registrar", password=None))
    form = change_form(client.get(url(building)))
    form.update(change)
    response = client.post(url(building), form)
    assert response.status_code == 200
    assert message in response.content.decode().replace(",", "").replace("，", "")
    building.refresh_from_db()
    assert building.archive_level is None and building.era is None and building.description is None


def test_a_city_has_no_archive_fields():
    city = record("C1", "city")
    html = browser(user("reg", "registrar", password=None)).get(url(city)).content.decode()
    assert 'name="era"' in html and 'name="archive_level"' not in html


def test_a_surveyor_edits_the_era_but_not_the_designation():
    building = record("B1", "building", designated_on="2010-01-01", designation_batch="第三批")
    client = browser(user("sv", "surveyor", password=None))
    page = client.get(url(building))
    html = page.content.decode()
    assert 'name="era"' in html and 'name="designation_batch"' not in html
    assert "第三批" in html  # shown, read only
    form = change_form(page)
    form.update(era="民国", designation_batch="第九批")
    assert client.post(url(building), form).status_code == 302
    building.refresh_from_db()
    assert (building.era, building.designation_batch) == ("民国", "第三批")
