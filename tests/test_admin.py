import pytest
from django.urls import reverse

from registry.models import Plaque, Record

pytestmark = pytest.mark.django_db


@pytest.fixture
def building():
    city = Record.objects.create(code="C1", kind="city", name="平遥", level="national",
                                 region_id="140728", designated_on="1986-12-08")  # fmt: skip
    b = Record.objects.create(code="B1", kind="building", name="张氏宗祠", level="provincial",
                              region_id="140728", parent=city)  # fmt: skip
    Plaque.objects.create(record=b, number="P1", installed_on="2015-01-01")
    return b


def test_record_list_and_change_page_render(admin_client, building, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:registry_record_changelist") + "?q=宗祠")
    assert response.status_code == 200
    assert "张氏宗祠" in response.content.decode()
    response = admin_client.get(reverse("admin:registry_record_change", args=[building.pk]))
    assert response.status_code == 200 and "P1" in response.content.decode()


def test_records_cannot_be_deleted_through_the_admin(admin_client, building):
    url = reverse("admin:registry_record_delete", args=[building.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Record.objects.filter(pk=building.pk).exists()


def test_survey_and_plaque_lists_show_the_newest_first(admin_client, building):
    from registry.models import Survey

    Survey.objects.create(building=building, surveyed_on="2024-01-01", occupancy="in_use")
    newest = Survey.objects.create(building=building, surveyed_on="2019-01-01", occupancy="vacant")
    response = admin_client.get(reverse("admin:registry_survey_changelist"))
    assert [s.pk for s in response.context["cl"].result_list][0] == newest.pk
    latest = Plaque.objects.create(record=building, number="P0", installed_on="2001-01-01")
    response = admin_client.get(reverse("admin:registry_plaque_changelist"))
    first = Plaque.objects.get(number="P1")
    assert [p.pk for p in response.context["cl"].result_list] == [latest.pk, first.pk]


def test_the_reviewers_queue_is_read_from_its_own_index(building):
    """Submitted surveys are a few among millions approved: the admin list filtered to them,
    newest first, and its count are read from the partial index survey_submitted (SQLite's
    plan; PostgreSQL plans a table this small with a scan)."""
    from django.db import connection

    from registry.models import Survey

    if connection.vendor != "sqlite":
        pytest.skip("the plan is SQLite's")
    page = Survey.objects.filter(state="submitted").order_by("-id").values("id")[:100]
    count = Survey.objects.filter(state="submitted").values("id")
    for queryset in (page, count):
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "survey_submitted" in plan, plan


def test_a_list_of_one_kind_reads_its_own_index_and_the_indicator_sql_never_does():
    """Cities, towns, villages and districts in code order from their partial indexes; the
    indicator state's SQL (kind IN (...)) keeps its plans: no partial index is usable there."""
    import re

    from django.db import connection

    from registry.services import indicator_state

    if connection.vendor != "sqlite":
        pytest.skip("the plans are SQLite's")

    def plan(sql, params) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row) for row in cursor.fetchall())

    for kind in ("city", "town", "village", "district"):
        page = Record.objects.filter(kind=kind).order_by("code").values("id")[:100]
        assert f"record_{kind}_code" in plan(*page.query.sql_with_params())
    for scope, params in (("", []), ("AND r.id IN (%s)", [1])):
        indicator_plan = plan(*indicator_state._insert_changes(scope, params))
        assert not re.search(r"record_[a-z]+_code", indicator_plan), indicator_plan


def test_a_user_whose_work_is_on_record_cannot_be_deleted(admin_client, building):
    """Surveys, photos and the change log keep who did what (PROTECT): deleting such a user
    from the admin is refused with Django's list of the protected rows, never an
    IntegrityError; both the delete page and the delete action."""
    from django.contrib.auth.models import User

    from registry.models import ChangeAction, Survey
    from registry.services import audit

    reviewer = User.objects.create_user("reviewer", is_staff=True)
    survey = Survey.objects.create(
        building=building, surveyed_on="2024-01-01", occupancy="in_use", state="approved",
        reviewed_by=reviewer,
    )  # fmt: skip
    audit.log(user=reviewer, action=ChangeAction.APPROVE, obj=survey)
    page = admin_client.post(reverse("admin:auth_user_delete", args=[reviewer.pk]), {"post": "yes"})
    assert page.status_code == 200 and page.context["protected"]
    action = admin_client.post(reverse("admin:auth_user_changelist"), {
        "action": "delete_selected", "_selected_action": [reviewer.pk], "post": "yes"})  # fmt: skip
    assert action.status_code == 200 and action.context["protected"]
    assert User.objects.filter(pk=reviewer.pk).exists()


@pytest.fixture
def photo_world(building, settings, tmp_path):
    """A surveyor's photo of the building (not public: new uploads never are); a reviewer and a
    registrar of its region, and the surveyor."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registry.services import photos
    from tests.workflow_builders import jpeg_bytes, user

    settings.MEDIA_ROOT = tmp_path
    people = {r: user(r, r, regions=("140000",), password=None) for r in
              ("surveyor", "reviewer", "registrar")}  # fmt: skip
    upload = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    photo = photos.photo_attach(user=people["surveyor"], upload=upload, record=building)
    return {"photo": photo, **people}


def test_a_reviewer_publishes_a_photo_on_its_page_and_it_is_logged(client, photo_world):
    from registry.models import ChangeLog, Photo
    from tests.admin_forms import change_form

    photo = photo_world["photo"]
    client.force_login(photo_world["reviewer"])
    url = reverse("admin:registry_photo_change", args=[photo.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="public"' in page.content.decode()
    data = change_form(page)
    assert "public" not in data and "caption" not in data  # only the mark is a field
    response = client.post(url, {**data, "public": "on", "caption": "改了"})
    assert response.status_code == 302
    stored = Photo.objects.get(pk=photo.pk)
    assert stored.public and stored.caption == ""  # nothing else of a photo changes
    entry = ChangeLog.objects.filter(action="change").latest("id")
    assert entry.user == photo_world["reviewer"] and entry.after["public"] is True


def test_a_surveyor_cannot_publish_a_photo(client, photo_world, building):
    from registry.models import Photo

    photo = photo_world["photo"]
    client.force_login(photo_world["surveyor"])
    url = reverse("admin:registry_photo_change", args=[photo.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="public"' not in page.content.decode()
    assert client.post(url, {"public": "on"}).status_code == 403
    # On the record's page (which a surveyor may save) the stored photos' mark is read-only.
    record_page = client.get(reverse("admin:registry_record_change", args=[building.pk]))
    html = record_page.content.decode()
    assert "record_photos-0-public" not in html
    assert not Photo.objects.get(pk=photo.pk).public


def test_a_registrar_publishes_a_photo_on_the_records_page(client, photo_world, building):
    from registry.models import Photo
    from tests.admin_forms import change_form

    photo = photo_world["photo"]
    client.force_login(photo_world["registrar"])
    url = reverse("admin:registry_record_change", args=[building.pk])
    data = change_form(client.get(url))
    # The stored photos' inline comes first: its prefix is the plain one (the uploads' is -2).
    assert data["record_photos-0-id"] == str(photo.pk)
    response = client.post(url, {**data, "record_photos-0-public": "on"})
    assert response.status_code == 302, response.context and response.context.get("errors")
    assert Photo.objects.get(pk=photo.pk).public


def test_a_reviewer_sees_a_surveys_photo_mark_read_only_and_a_link_to_publish(
    client, photo_world, building
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registry.models import Survey
    from registry.services import photos
    from tests.workflow_builders import jpeg_bytes

    survey = Survey.objects.create(
        building=building, surveyed_on="2024-01-01", occupancy="in_use",
        created_by=photo_world["surveyor"],
    )  # fmt: skip
    upload = SimpleUploadedFile("p.jpg", jpeg_bytes(color=(1, 2, 3)), content_type="image/jpeg")
    shot = photos.photo_attach(user=photo_world["surveyor"], upload=upload, survey=survey)
    client.force_login(photo_world["reviewer"])
    # The reviewer may not save a survey (only approve it): the mark is not a field there...
    html = client.get(reverse("admin:registry_survey_change", args=[survey.pk])).content.decode()
    assert "survey_photos-0-public" not in html
    # ...but the photo's own page, linked from the row, is where it is set.
    assert reverse("admin:registry_photo_change", args=[shot.pk]) in html
    # A registrar on the record's page: the same photo's mark is editable there.
    client.force_login(photo_world["registrar"])
    html = client.get(reverse("admin:registry_record_change", args=[building.pk])).content.decode()
    # The record's photos, its surveys' included: its own (0), then the survey's (1).
    assert 'name="record_photos-1-public"' in html
