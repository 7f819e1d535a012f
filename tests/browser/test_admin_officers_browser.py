"""The officers' admin in headless Chromium: a surveyor picks a building by typing (only her
regions' buildings are offered), a reviewer finds the queue on the admin's home page and, on
the survey, what it changes since the building's previous approved survey."""

import datetime
import importlib

import pytest

from registry.models import Record, Survey
from tests.workflow_builders import PASSWORD, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry():
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    importlib.import_module("registry.migrations.0006_workflow_groups").create_groups(apps, None)

    def building(code, name, region):
        return Record.objects.create(code=code, kind="building", name=name, level="provincial",
                                     region_id=region, designated_on="2010-01-01")  # fmt: skip

    return {
        "mine": building("JZ-B-0001", "张氏宗祠", "140728"),
        "far": building("JZ-B-0002", "张氏旧宅", "110101"),
        "surveyor": user("surveyor1", "surveyor", regions=("140700",)),
        "reviewer": user("reviewer1", "reviewer"),
    }


def _login(page, url, username):
    page.context.clear_cookies()
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")


def _answered(page) -> list[str]:
    """The autocomplete's options once its "searching" line is gone (polled: the site's CSP
    allows no script evaluated from a string, as wait_for_function would)."""
    for _attempt in range(100):
        options = page.locator(".select2-results__option")
        if options.count() and not page.locator(".loading-results").count():
            return options.all_inner_texts()
        page.wait_for_timeout(100)
    raise AssertionError("the autocomplete did not answer within 10 s")


def test_autocomplete_queue_and_changes(live_server, page, artifacts, registry):
    url = live_server.url
    _login(page, url, "surveyor1")
    page.goto(f"{url}/admin/registry/survey/add/")
    page.click(".field-building .select2-selection")
    page.fill(".select2-search__field", "张氏")
    options = _answered(page)
    page.screenshot(path=artifacts / "officers-1-autocomplete.png", full_page=True)
    assert options == ["JZ-B-0001 张氏宗祠"]
    page.click(".select2-results__option")
    page.fill("#id_surveyed_on", datetime.date.today().isoformat())
    page.select_option("#id_occupancy", "vacant")
    page.select_option("#id_condition", "poor")
    page.click("input[name=_continue]")
    page.wait_for_selector("#survey-workflow")
    page.click("input[name=submit-survey]")
    page.wait_for_selector(".messagelist")
    assert "JZ-B-0001 张氏宗祠" in page.inner_text(".messagelist")
    survey = Survey.objects.get()
    assert survey.state == "submitted" and survey.building == registry["mine"]

    Survey.objects.create(building=registry["mine"], surveyed_on="2020-01-01",
                          occupancy="in_use", condition="good", state="approved")  # fmt: skip
    _login(page, url, "reviewer1")
    assert page.inner_text("#review-queue a") == "待审核 1"
    assert "历史文化保护名录管理" in page.inner_text("#site-name")
    page.screenshot(path=artifacts / "officers-2-reviewer-home.png", full_page=True)
    page.click("#review-queue a")
    page.click(f"#result_list a[href*='/survey/{survey.pk}/change/']")
    page.wait_for_selector("#survey-changes")
    changes = page.inner_text("#survey-changes")
    page.screenshot(path=artifacts / "officers-3-changes.png", full_page=True)
    assert "2020-01-01" in changes and "在用" in changes and "空置" in changes
    assert page.errors == []
