"""Markup in the registry's text, as the server renders it: every HTML page that shows a record,
plaque, survey, region or change log entry escapes it, the admin's own columns included.

The browser side (what the pages' scripts do with the same text) is
tests/browser/test_html_injection_browser.py.
"""

import pytest
from django.urls import reverse

from registry.models import ChangeLog, Plaque, Record, Region, Survey

pytestmark = pytest.mark.django_db

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "</script><script>window.__xss=2</script>"
SVG = '"><svg onload=window.__xss=3>'
RAW = ("<img src=x", "<script>window", "<svg onload")  # none may reach a page unescaped


@pytest.fixture
def hostile():
    Region.objects.filter(code="140000").update(name="山西" + SVG)
    Region.objects.filter(code="140700").update(name="晋中" + SCRIPT)
    district = Record.objects.create(
        code="D-1", kind="district", name="街区" + SCRIPT, name_en=IMG, level="provincial",
        region_id="140728", designated_on="2010-01-01", lat=37.2, lon=112.2,
    )  # fmt: skip
    building = Record.objects.create(
        code="B-1", kind="building", name="祠堂" + IMG, name_en=SVG, address=SCRIPT,
        level="national", region_id="140728", parent=district, designated_on="2010-01-01",
        lat=37.21, lon=112.21,
    )  # fmt: skip
    plaque = Plaque.objects.create(record=building, number="牌" + IMG, installed_on="2011-01-01")
    survey = Survey.objects.create(
        building=building, surveyed_on="2012-01-01", occupancy="vacant", state="approved",
        use=SVG, surveyor=SCRIPT, notes=IMG,
    )  # fmt: skip
    log = ChangeLog.objects.create(
        action="change", object_type="registry.record", object_id=building.pk,
        object_repr=str(building), record_id=building.pk, region_id="140728",
        before={"name": IMG}, after={"name": SCRIPT},
    )  # fmt: skip
    return {"district": district, "building": building, "plaque": plaque, "survey": survey,
            "log": log}  # fmt: skip


def pages(h):
    b = h["building"]
    return [
        "/",
        "/?region=140000",
        "/?q=" + IMG,
        f"/records/{b.code}/",
        f"/records/{h['district'].code}/",
        "/reports/?as_of=2020-12-31",
        "/reports/?as_of=2020-12-31&region=140000",
        "/reports/?as_of=2020-12-31&region=140700",
        reverse("admin:registry_record_changelist") + "?q=祠堂",
        reverse("admin:registry_record_change", args=[b.pk]),
        reverse("admin:registry_plaque_changelist"),
        reverse("admin:registry_plaque_change", args=[h["plaque"].pk]),
        reverse("admin:registry_survey_changelist"),
        reverse("admin:registry_survey_change", args=[h["survey"].pk]),
        reverse("admin:registry_changelog_changelist"),
        reverse("admin:registry_changelog_change", args=[h["log"].pk]),
        reverse("admin:registry_region_changelist") + "?q=140000",
    ]


def test_every_page_escapes_the_registrys_text(admin_client, hostile):
    for url in pages(hostile):
        response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        html = response.content.decode()
        assert [raw for raw in RAW if raw in html] == [], url
        # …and the text is there, escaped: the page did show it.
        assert "&lt;img src=x" in html or "&lt;script&gt;window" in html or "&lt;svg" in html, url
