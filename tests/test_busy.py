"""A write that times out on SQLite's lock (a national import holds it for its whole merge) gets
a 503 that says nothing was saved and when to retry, in the reader's language; nothing is saved
and other database errors are not hidden."""

import sqlite3
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.urls import reverse

from registry.api.records import RecordViewSet
from registry.models import ChangeLog, Record, Survey
from registry.services import surveys as survey_services
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_error(tmp_path):
    """SQLite's own error for a lock held by another connection, as Django raises it."""
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as caught:
        waiter.execute("BEGIN IMMEDIATE")
    holder.close(), waiter.close()
    return OperationalError(*caught.value.args)  # what django.db.utils.DatabaseErrorWrapper does


@pytest.fixture
def submitted():
    surveyor, reviewer = user("s1", "surveyor"), user("r1", "reviewer")
    building = Record.objects.create(
        code="B1", kind="building", name="张氏宗祠", level="provincial", region_id="140728",
        designated_on="2010-01-01",
    )  # fmt: skip
    survey = survey_services.survey_create(
        user=surveyor, building=building, data={"surveyed_on": "2024-05-01", "occupancy": "vacant"}
    )
    survey = survey_services.survey_submit(user=surveyor, survey=survey, version=survey.version)
    return reviewer, survey


def test_an_approval_during_an_import_says_to_retry_saves_nothing(client, busy_error, submitted):
    reviewer, survey = submitted
    as_opened = {"version": survey.version}  # what the page's button posts
    logged = ChangeLog.objects.count()
    client.force_login(reviewer)
    with mock.patch.object(survey_services, "_locked", side_effect=busy_error):
        response = client.post(
            reverse("admin:registry_survey_approve", args=[survey.pk]), as_opened
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "没有保存" in page and "一分钟后" in page
    assert Survey.objects.get().state == "submitted"
    assert ChangeLog.objects.count() == logged
    # Once the lock is free, the same request goes through.
    response = client.post(reverse("admin:registry_survey_approve", args=[survey.pk]), as_opened)
    assert response.status_code == 302 and Survey.objects.get().state == "approved"


def test_the_busy_page_speaks_english_to_english_readers(client, busy_error, submitted):
    reviewer, survey = submitted
    as_opened = {"version": survey.version}  # what the page's button posts
    client.force_login(reviewer)
    client.cookies["django_language"] = "en"
    with mock.patch.object(survey_services, "_locked", side_effect=busy_error):
        response = client.post(
            reverse("admin:registry_survey_approve", args=[survey.pk]), as_opened
        )
    assert response.status_code == 503
    assert "nothing was saved" in response.content.decode()


def test_the_api_answers_busy_in_json(client, busy_error):
    with mock.patch.object(RecordViewSet, "list", side_effect=busy_error):
        response = client.get("/api/v1/records/")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert "没有保存" in response.json()["detail"]


def test_other_database_errors_are_not_dressed_up_as_busy(client):
    broken = OperationalError("no such table: registry_record")
    with (
        mock.patch.object(RecordViewSet, "list", side_effect=broken),
        pytest.raises(OperationalError),
    ):
        client.get("/api/v1/records/")
