"""The survey workflow (draft, submit, approve/reject by someone else) through the services
and the admin; optimistic locking of records; the building page's survey history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from registry.models import ChangeLog, Record, Survey
from registry.selectors.indicators import indicator_report
from registry.services import records as record_services
from registry.services import surveys as survey_services
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "surveyor": user("s1", "surveyor"),
        "other_surveyor": user("s2", "surveyor"),
        "reviewer": user("r1", "reviewer"),
        "far_reviewer": user("r2", "reviewer", regions=("110000",)),
        "registrar": user("g1", "registrar"),
    }


@pytest.fixture
def building():
    return Record.objects.create(
        code="B1",
        kind="building",
        name="张氏宗祠",
        level="provincial",
        region_id="140728",
        designated_on="2010-01-01",
    )


def opened(survey) -> int:
    """The survey's version now: what a page opened now would post back."""
    return Survey.objects.values_list("version", flat=True).get(pk=survey.pk)


def _vacant(day="2024-12-31"):
    report = indicator_report(as_of=datetime.date.fromisoformat(day), region="140000")
    return report["total"]["buildings_vacant"]


def _draft(people, building, day="2024-05-01", occupancy="vacant"):
    return survey_services.survey_create(
        user=people["surveyor"],
        building=building,
        data={"surveyed_on": datetime.date.fromisoformat(day), "occupancy": occupancy},
    )


def test_draft_submit_approve_counts_only_when_approved(people, building):
    survey = _draft(people, building)
    assert survey.state == "draft" and survey.created_by == people["surveyor"]
    assert _vacant() == 0
    survey = survey_services.survey_submit(
        user=people["surveyor"], survey=survey, version=opened(survey)
    )
    assert survey.state == "submitted" and _vacant() == 0
    survey = survey_services.survey_approve(
        user=people["reviewer"], survey=survey, version=opened(survey)
    )
    assert survey.state == "approved" and survey.reviewed_by == people["reviewer"]
    assert survey.reviewed_at is not None and _vacant() == 1
    actions = list(
        ChangeLog.objects.filter(object_type="registry.survey", object_id=survey.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "submit", "approve"]


def test_approved_surveys_are_read_only(people, building):
    survey = _draft(people, building)
    survey_services.survey_submit(user=people["surveyor"], survey=survey, version=opened(survey))
    survey_services.survey_approve(user=people["reviewer"], survey=survey, version=opened(survey))
    with pytest.raises(PermissionDenied):
        survey_services.survey_update(
            user=people["surveyor"],
            survey=survey,
            version=opened(survey),
            data={"occupancy": "in_use"},
        )
    with pytest.raises(PermissionDenied):
        survey_services.survey_reject(
            user=people["reviewer"], survey=survey, version=opened(survey), reason="x"
        )
    assert Survey.objects.get(pk=survey.pk).occupancy == "vacant"


def test_reject_needs_a_reason_and_the_surveyor_may_resubmit(people, building):
    survey = _draft(people, building)
    survey_services.survey_submit(user=people["surveyor"], survey=survey, version=opened(survey))
    with pytest.raises(ValidationError):
        survey_services.survey_reject(
            user=people["reviewer"], survey=survey, version=opened(survey), reason="  "
        )
    survey = survey_services.survey_reject(
        user=people["reviewer"], survey=survey, version=opened(survey), reason="照片不清"
    )
    assert survey.state == "rejected" and survey.rejection_reason == "照片不清"
    survey = survey_services.survey_update(
        user=people["surveyor"], survey=survey, version=opened(survey), data={"occupancy": "in_use"}
    )
    survey = survey_services.survey_submit(
        user=people["surveyor"], survey=survey, version=opened(survey)
    )
    assert survey.state == "submitted"


def test_who_may_not_judge_or_submit(people, building):
    survey = _draft(people, building)
    with pytest.raises(PermissionDenied):  # not submitted yet
        survey_services.survey_approve(
            user=people["reviewer"], survey=survey, version=opened(survey)
        )
    with pytest.raises(PermissionDenied):  # someone else's draft
        survey_services.survey_submit(
            user=people["other_surveyor"], survey=survey, version=opened(survey)
        )
    survey_services.survey_submit(user=people["surveyor"], survey=survey, version=opened(survey))
    for who in ("surveyor", "registrar", "far_reviewer"):
        with pytest.raises(PermissionDenied):
            survey_services.survey_approve(user=people[who], survey=survey, version=opened(survey))
    # A reviewer who is also the survey's surveyor may not approve it.
    both = user("both", "reviewer")
    both.groups.add(*people["surveyor"].groups.all())
    own = survey_services.survey_create(
        user=both,
        building=building,
        data={"surveyed_on": datetime.date(2024, 6, 1), "occupancy": "in_use"},
    )
    survey_services.survey_submit(user=both, survey=own, version=opened(own))
    with pytest.raises(PermissionDenied):
        survey_services.survey_approve(user=both, survey=own, version=opened(own))
    assert Survey.objects.get(pk=own.pk).state == "submitted"


def test_second_approved_survey_on_the_same_day_is_refused(people, building):
    for _ in range(2):
        survey = _draft(people, building)
        survey_services.survey_submit(
            user=people["surveyor"], survey=survey, version=opened(survey)
        )
    first, second = Survey.objects.order_by("id")
    survey_services.survey_approve(user=people["reviewer"], survey=first, version=opened(first))
    with pytest.raises(ValidationError):
        survey_services.survey_approve(
            user=people["reviewer"], survey=second, version=opened(second)
        )
    assert Survey.objects.get(pk=second.pk).state == "submitted"


def test_admin_workflow_buttons(client, people, building):
    client.force_login(people["surveyor"])
    response = client.post(
        reverse("admin:registry_survey_add") + f"?building={building.pk}",
        {
            "building": building.pk,
            "surveyed_on": "2024-05-01",
            "occupancy": "vacant",
            "condition": "poor",
            "use": "",
            "surveyor": "张三",
            "notes": "",
            "survey_photos-TOTAL_FORMS": 0,
            "survey_photos-INITIAL_FORMS": 0,
            "survey_photos-2-TOTAL_FORMS": 0,
            "survey_photos-2-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    survey = Survey.objects.get()
    assert survey.created_by == people["surveyor"] and survey.state == "draft"
    page = client.get(reverse("admin:registry_survey_change", args=[survey.pk])).content.decode()
    assert "提交审核" in page and "审核通过" not in page
    submit = {"version": opened(survey)}  # what the page's button posts
    client.post(reverse("admin:registry_survey_submit", args=[survey.pk]), submit)
    assert Survey.objects.get().state == "submitted"

    client.force_login(people["reviewer"])
    page = client.get(reverse("admin:registry_survey_change", args=[survey.pk])).content.decode()
    assert "审核通过" in page and 'name="_save"' not in page
    reject = {"reason": "", "version": opened(survey)}
    client.post(reverse("admin:registry_survey_reject", args=[survey.pk]), reject)
    assert Survey.objects.get().state == "submitted"  # no reason, no rejection
    approve = {"version": opened(survey)}
    client.post(reverse("admin:registry_survey_approve", args=[survey.pk]), approve)
    assert Survey.objects.get().state == "approved" and _vacant() == 1

    # The building's page shows the history and the current state.
    client.force_login(people["surveyor"])
    page = client.get(reverse("admin:registry_record_change", args=[building.pk])).content.decode()
    assert "2024-05-01" in page and "已通过" in page and "空置" in page
    submit = {"version": opened(survey)}
    response = client.post(reverse("admin:registry_survey_submit", args=[survey.pk]), submit)
    assert response.status_code == 403


def test_far_reviewer_gets_404_on_the_workflow_urls(client, people, building):
    survey = _draft(people, building)
    survey_services.survey_submit(user=people["surveyor"], survey=survey, version=opened(survey))
    client.force_login(people["far_reviewer"])
    assert (
        client.post(reverse("admin:registry_survey_approve", args=[survey.pk])).status_code == 404
    )
    assert Survey.objects.get().state == "submitted"


def _record_form(record, name, version):
    return {
        "code": record.code,
        "kind": record.kind,
        "name": name,
        "level": record.level,
        "region": record.region_id,
        "designated_on": "2010-01-01",
        "edit_version": version,
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


def test_optimistic_locking_refuses_the_second_save(client, people, building):
    url = reverse("admin:registry_record_change", args=[building.pk])
    opened_at = building.version  # both people opened the page at this version
    client.force_login(people["registrar"])
    assert client.post(url, _record_form(building, "第一人的名称", opened_at)).status_code == 302
    client.force_login(people["surveyor"])
    response = client.post(url, _record_form(building, "第二人的名称", opened_at))
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    building.refresh_from_db()
    assert building.name == "第一人的名称" and building.version == opened_at + 1
    with pytest.raises(ValidationError):
        record_services.record_update(
            user=people["registrar"], record=building, data={"name": "x"}, version=opened_at
        )


def test_revoke_and_designate_by_registrar_only(people, building):
    with pytest.raises(PermissionDenied):
        record_services.record_revoke(
            user=people["surveyor"],
            record=building,
            on=datetime.date(2020, 1, 1),
            version=building.version,
        )
    saved = record_services.record_revoke(
        user=people["registrar"],
        record=building,
        on=datetime.date(2020, 1, 1),
        version=building.version,
    )
    assert saved.revoked_on == datetime.date(2020, 1, 1) and saved.status == "revoked"
    entry = ChangeLog.objects.filter(record_id=building.pk).first()
    assert entry.action == "revoke" and entry.before["revoked_on"] is None
    assert entry.after["revoked_on"] == "2020-01-01" and entry.user == people["registrar"]
    assert timezone.now() - entry.time < datetime.timedelta(minutes=1)
