"""Optimistic locking of plaques and surveys, as of records: two people open the same page,
the second save (or review) based on the page as it was is refused and nothing of it saved.

Each test opens the pages in two browsers (two clients) and submits a page as the browser
would: what it rendered, with one field changed (tests/admin_forms.py)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from registry.models import ChangeLog, Plaque, Record
from registry.services import plaques as plaque_services
from registry.services import surveys as survey_services
from tests.admin_forms import change_form, form_posting_to
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db

STALE = "已被他人修改"


@pytest.fixture
def building():
    return Record.objects.create(code="B1", kind="building", name="张氏宗祠", level="provincial",
                                 region_id="140728", designated_on="2010-01-01")  # fmt: skip


@pytest.fixture
def plaque(building):
    return Plaque.objects.create(record=building, number="24", installed_on="2015-01-01")


def browser(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _plaque_changes(plaque) -> int:
    return ChangeLog.objects.filter(object_type="registry.plaque", object_id=plaque.pk).count()


def test_a_stale_plaque_save_is_refused_and_the_removal_kept(plaque):
    url = reverse("admin:registry_plaque_change", args=[plaque.pk])
    a, b = browser(user("a", "registrar")), browser(user("b", "registrar"))
    page_a, page_b = a.get(url), b.get(url)  # both open plaque 24
    removal = {**change_form(page_b), "removed_on": "2024-03-01"}
    assert b.post(url, removal).status_code == 302
    response = a.post(url, {**change_form(page_a), "number": "24-新"})
    assert response.status_code == 200 and STALE in response.content.decode()
    plaque.refresh_from_db()
    assert plaque.removed_on == datetime.date(2024, 3, 1) and plaque.number == "24"
    assert _plaque_changes(plaque) == 1
    # Opened again, the page saves.
    response = a.post(url, {**change_form(a.get(url)), "number": "24-新"})
    assert response.status_code == 302
    plaque.refresh_from_db()
    assert plaque.removed_on == datetime.date(2024, 3, 1) and plaque.number == "24-新"


def test_a_stale_plaque_row_on_the_record_page_is_refused(building, plaque):
    record_url = reverse("admin:registry_record_change", args=[building.pk])
    plaque_url = reverse("admin:registry_plaque_change", args=[plaque.pk])
    a, b = browser(user("a", "registrar")), browser(user("b", "registrar"))
    page_a = a.get(record_url)  # the record page, with plaque 24 in its inline
    removal = {**change_form(b.get(plaque_url)), "removed_on": "2024-03-01"}
    assert b.post(plaque_url, removal).status_code == 302
    data = change_form(page_a)
    row = next(k for k, v in data.items() if k.endswith("-number") and v == "24")
    response = a.post(record_url, {**data, row: "24-新", "name": "张氏宗祠（修）"})
    assert response.status_code == 200 and STALE in response.content.decode()
    plaque.refresh_from_db()
    building.refresh_from_db()
    assert plaque.removed_on == datetime.date(2024, 3, 1) and plaque.number == "24"
    assert building.name == "张氏宗祠"  # nothing of the page is saved
    # Opened again, the row saves, logged like any change of a plaque.
    data = change_form(a.get(record_url))
    assert a.post(record_url, {**data, row: "24-新"}).status_code == 302
    plaque.refresh_from_db()
    assert plaque.number == "24-新" and plaque.removed_on == datetime.date(2024, 3, 1)
    assert _plaque_changes(plaque) == 2


@pytest.fixture
def people():
    return {
        "surveyor": user("s1", "surveyor"),
        "reviewer": user("r1", "reviewer"),
        "other_reviewer": user("r2", "reviewer"),
    }


@pytest.fixture
def draft(people, building):
    return survey_services.survey_create(
        user=people["surveyor"],
        building=building,
        data={"surveyed_on": datetime.date(2024, 5, 1), "occupancy": "in_use"},
    )


def test_a_stale_survey_edit_is_refused(people, draft):
    url = reverse("admin:registry_survey_change", args=[draft.pk])
    tab_a, tab_b = browser(people["surveyor"]), browser(people["surveyor"])
    page_a, page_b = tab_a.get(url), tab_b.get(url)
    assert tab_b.post(url, {**change_form(page_b), "occupancy": "vacant"}).status_code == 302
    response = tab_a.post(url, {**change_form(page_a), "notes": "从旧页面保存"})
    assert response.status_code == 200 and STALE in response.content.decode()
    draft.refresh_from_db()
    assert draft.occupancy == "vacant" and not draft.notes


def test_a_review_of_a_survey_that_changed_since_the_page_was_opened_is_refused(people, draft):
    """Reviewer A opens the submitted survey; reviewer B rejects it; its surveyor changes it
    and submits it again; A's approval, from the page showing the old survey, is refused."""
    url = reverse("admin:registry_survey_change", args=[draft.pk])
    surveyor = browser(people["surveyor"])
    surveyor.post(
        reverse("admin:registry_survey_submit", args=[draft.pk]),
        form_posting_to(surveyor.get(url), "/submit/"),
    )
    a, b = browser(people["reviewer"]), browser(people["other_reviewer"])
    page_a = a.get(url)
    reject = {**form_posting_to(b.get(url), "/reject/"), "reason": "照片不清"}
    b.post(reverse("admin:registry_survey_reject", args=[draft.pk]), reject)
    surveyor.post(url, {**change_form(surveyor.get(url)), "occupancy": "vacant"})
    surveyor.post(
        reverse("admin:registry_survey_submit", args=[draft.pk]),
        form_posting_to(surveyor.get(url), "/submit/"),
    )
    draft.refresh_from_db()
    assert (draft.state, draft.occupancy) == ("submitted", "vacant")
    for step, data in (("approve", {}), ("reject", {"reason": "旧页面"})):
        form = {**form_posting_to(page_a, f"/{step}/"), **data}
        response = a.post(reverse(f"admin:registry_survey_{step}", args=[draft.pk]), form)
        assert response.status_code == 302
        assert STALE in a.get(url).content.decode()  # the message, on the page it returns to
        draft.refresh_from_db()
        assert draft.state == "submitted" and draft.reviewed_by == people["other_reviewer"]
    # Opened again, the approval goes through.
    form = form_posting_to(a.get(url), "/approve/")
    a.post(reverse("admin:registry_survey_approve", args=[draft.pk]), form)
    draft.refresh_from_db()
    assert draft.state == "approved" and draft.reviewed_by == people["reviewer"]


def test_a_submission_from_a_stale_page_is_refused(people, draft):
    url = reverse("admin:registry_survey_change", args=[draft.pk])
    tab_a, tab_b = browser(people["surveyor"]), browser(people["surveyor"])
    page_a = tab_a.get(url)
    tab_b.post(url, {**change_form(tab_b.get(url)), "occupancy": "vacant"})
    tab_a.post(
        reverse("admin:registry_survey_submit", args=[draft.pk]),
        form_posting_to(page_a, "/submit/"),
    )
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_the_services_refuse_a_stale_version_and_save_nothing(people, plaque, draft):
    registrar = user("g", "registrar", password=None)
    opened = plaque.version
    plaque_services.plaque_update(
        user=registrar, plaque=plaque, data={"removed_on": datetime.date(2024, 3, 1)},
        version=opened,
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        plaque_services.plaque_update(
            user=registrar, plaque=plaque, data={"number": "X"}, version=opened
        )
    assert refused.value.code == "stale"
    plaque.refresh_from_db()
    assert (plaque.number, plaque.version) == ("24", opened + 1)

    surveyor, reviewer = people["surveyor"], people["reviewer"]
    opened = draft.version
    survey_services.survey_update(user=surveyor, survey=draft, data={"notes": "一"}, version=opened)
    for stale in (
        lambda: survey_services.survey_update(
            user=surveyor, survey=draft, data={"notes": "二"}, version=opened
        ),
        lambda: survey_services.survey_submit(user=surveyor, survey=draft, version=opened),
    ):
        with pytest.raises(ValidationError) as refused:
            stale()
        assert refused.value.code == "stale"
    survey = survey_services.survey_submit(user=surveyor, survey=draft, version=opened + 1)
    for stale in (
        lambda: survey_services.survey_approve(user=reviewer, survey=draft, version=opened + 1),
        lambda: survey_services.survey_reject(
            user=reviewer, survey=draft, reason="x", version=opened + 1
        ),
    ):
        with pytest.raises(ValidationError) as refused:
            stale()
        assert refused.value.code == "stale"
    draft.refresh_from_db()
    assert (draft.notes, draft.state, draft.version) == ("一", "submitted", survey.version)
