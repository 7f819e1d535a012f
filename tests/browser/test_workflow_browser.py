"""The workflow in headless Chromium: a surveyor adds a survey with a photo and submits it; a
reviewer approves it; the vacancy indicator counts it from then on."""

import datetime
import importlib

import pytest

from registry.models import Photo, Record, Survey
from registry.selectors.indicators import indicator_report
from tests.workflow_builders import PASSWORD, jpeg_bytes, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry(settings, tmp_path):
    from django.apps import apps

    settings.MEDIA_ROOT = tmp_path
    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    # The flush removed the role groups too: migration 0006 makes them again.
    importlib.import_module("registry.migrations.0006_workflow_groups").create_groups(apps, None)
    building = Record.objects.create(code="JZ-B-0001", kind="building", name="张氏宗祠",
                                     level="provincial", region_id="140728",
                                     designated_on="2010-01-01")  # fmt: skip
    return {
        "building": building,
        "surveyor": user("surveyor1", "surveyor"),
        "reviewer": user("reviewer1", "reviewer"),
    }


def _vacant() -> int:
    report = indicator_report(as_of=datetime.date.today(), region="140000")
    return report["total"]["buildings_vacant"]


def _login(page, url, username):
    page.context.clear_cookies()
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")


def test_survey_with_photo_submitted_then_approved(
    live_server, page, artifacts, registry, tmp_path
):
    url, building = live_server.url, registry["building"]
    photo = tmp_path / "facade.jpg"
    photo.write_bytes(jpeg_bytes(size=(320, 240), color=(150, 90, 60)))
    assert _vacant() == 0

    _login(page, url, "surveyor1")
    page.goto(f"{url}/admin/registry/record/{building.pk}/change/")
    page.screenshot(path=artifacts / "workflow-0-building.png", full_page=True)
    page.get_by_role("link", name="添加调查").click()
    page.fill("#id_surveyed_on", datetime.date.today().isoformat())
    page.select_option("#id_occupancy", "vacant")
    page.select_option("#id_condition", "poor")
    page.fill("#id_surveyor", "张三")
    page.set_input_files("input[type=file][name$='-upload']", str(photo))
    page.fill("input[name$='0-caption']", "正立面")
    page.screenshot(path=artifacts / "workflow-1-survey-form.png", full_page=True)
    page.click("input[name=_continue]")
    page.wait_for_selector("#survey-workflow")
    survey = Survey.objects.get()
    assert survey.state == "draft" and Photo.objects.get().survey == survey
    page.click("input[name=submit-survey]")
    page.wait_for_selector(".messagelist")
    page.screenshot(path=artifacts / "workflow-2-submitted.png", full_page=True)
    assert Survey.objects.get().state == "submitted" and _vacant() == 0

    _login(page, url, "reviewer1")
    page.goto(f"{url}/admin/registry/survey/{survey.pk}/change/")
    assert page.locator("img.heritage-thumb").count() == 1
    page.click("input[name=approve-survey]")
    page.wait_for_selector(".messagelist")
    page.screenshot(path=artifacts / "workflow-3-approved.png", full_page=True)
    assert Survey.objects.get().state == "approved" and _vacant() == 1

    page.goto(f"{url}/admin/registry/record/{building.pk}/change/")
    history = page.locator("table.survey-history").inner_text()
    assert "已通过" in history and "空置" in history
    page.screenshot(path=artifacts / "workflow-4-building.png", full_page=True)
    assert page.errors == []
