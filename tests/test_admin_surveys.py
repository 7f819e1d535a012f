"""Surveys in the officers' admin: named by their building's code and name everywhere, never
dated after today, their building picked by an autocomplete that knows only the user's
regions' buildings; a reviewer's queue on the admin's home page, and on a survey under review
what it changes since the building's previous approved survey; region filters that offer the
user's own regions; the site's own name."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.models import ChangeLog, Record, Survey
from registry.services import surveys as survey_services
from registry.services.survey_import import check, import_rows
from tests.admin_forms import change_form
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db
SURVEYS = reverse("admin:registry_survey_changelist")
RECORDS = reverse("admin:registry_record_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")
DAY = datetime.date(2024, 5, 1)


def building(code, name="张氏宗祠", region="140728", kind="building") -> Record:
    return Record.objects.create(code=code, kind=kind, name=name, level="provincial",
                                 region_id=region, designated_on="2010-01-01")  # fmt: skip


def survey(b, day=DAY, state="draft", by=None, **facts) -> Survey:
    facts.setdefault("occupancy", "in_use")
    return Survey.objects.create(building=b, surveyed_on=day, state=state, created_by=by, **facts)


@pytest.fixture
def surveyor():
    return user("s1", "surveyor", regions=("140700",), password=None)


@pytest.fixture
def reviewer():
    return user("r1", "reviewer", regions=("140000",), password=None)


# --- labels


def test_a_survey_is_named_by_its_buildings_code_and_name():
    s = survey(building("B-140728-0001"))
    assert str(Survey.objects.get(pk=s.pk)) == "B-140728-0001 张氏宗祠 2024-05-01"


def test_the_change_log_names_it_so_from_python_and_from_sql(surveyor):
    b = building("B1")
    created = survey_services.survey_create(
        user=surveyor, building=b, data={"surveyed_on": DAY, "occupancy": "vacant"}
    )
    imported = import_rows(
        user=surveyor,
        rows=[(2, {"building": "B1", "surveyed_on": "2024-06-01", "occupancy": "在用"})],
    )
    assert imported == 1
    reprs = dict(
        ChangeLog.objects.filter(object_type="registry.survey").values_list("action", "object_repr")
    )
    assert reprs == {"create": "B1 张氏宗祠 2024-05-01", "import": "B1 张氏宗祠 2024-06-01"}
    assert reprs["create"] == str(created)


def test_the_workflow_messages_name_the_survey(client, surveyor):
    client.force_login(surveyor)
    s = survey(building("B1"), by=surveyor)
    url = reverse("admin:registry_survey_submit", args=[s.pk])
    response = client.post(url, {"version": s.version}, follow=True)
    assert "调查“B1 张氏宗祠 2024-05-01”已提交审核。" in response.content.decode()


def test_the_survey_list_reads_a_page_in_a_fixed_number_of_queries(client, surveyor):
    client.force_login(surveyor)
    # The session, the user, their roles and regions, the page, the filters, the count.

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(SURVEYS)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    survey(building("B0"))
    few, _html = queries()
    for i in range(1, 15):
        survey(building(f"B{i}", name=f"宅{i}"), by=surveyor)
    many, html = queries()
    assert many == few <= 9  # measured: 9, however many rows
    assert "B14 宅14" in html


# --- no survey after today


def test_a_survey_dated_after_today_is_refused_by_the_service(surveyor):
    b = building("B1")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        survey_services.survey_create(
            user=surveyor, building=b, data={"surveyed_on": tomorrow, "occupancy": "vacant"}
        )
    assert refused.value.message_dict == {"surveyed_on": ["调查日期不能晚于今天。"]}
    today = survey_services.survey_create(
        user=surveyor,
        building=b,
        data={"surveyed_on": timezone.localdate(), "occupancy": "vacant"},
    )
    with pytest.raises(ValidationError):
        survey_services.survey_update(
            user=surveyor, survey=today, data={"surveyed_on": tomorrow}, version=today.version
        )
    assert Survey.objects.get().surveyed_on == timezone.localdate()


def test_and_by_the_admin_form_and_the_import(client, surveyor):
    client.force_login(surveyor)
    b = building("B1")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page = client.get(reverse("admin:registry_survey_add") + f"?building={b.pk}")
    data = {**change_form(page), "surveyed_on": tomorrow.isoformat(), "occupancy": "vacant"}
    response = client.post(reverse("admin:registry_survey_add"), data)
    assert response.status_code == 200
    assert "调查日期不能晚于今天。" in response.content.decode()
    [row] = check([(2, {"building": "B1", "surveyed_on": tomorrow.isoformat(),
                        "occupancy": "在用"})], surveyor)  # fmt: skip
    assert row.errors == ["调查日期不能晚于今天。"]
    assert not Survey.objects.exists()


# --- the building's autocomplete


@pytest.fixture
def places():
    return {
        "mine": building("B-MINE", name="张氏宗祠"),
        "far": building("B-FAR", name="张氏宗祠北", region="110101"),
        "district": building("D-MINE", name="张氏宗祠街区", kind="district"),
    }


def _choices(client, term: str) -> list[str]:
    query = {"app_label": "registry", "model_name": "survey", "field_name": "building"}
    response = client.get(AUTOCOMPLETE, {**query, "term": term})
    assert response.status_code == 200
    return [item["text"] for item in response.json()["results"]]


@pytest.mark.parametrize("term", ["", "张氏", "B-", "zsz"])
def test_the_autocomplete_offers_only_the_users_regions_buildings(client, surveyor, places, term):
    client.force_login(surveyor)
    assert _choices(client, term) == ["B-MINE 张氏宗祠"]


@pytest.mark.parametrize("model, field", [("plaque", "record"), ("record", "parent")])
def test_no_autocomplete_reaches_outside_the_users_regions(client, surveyor, places, model, field):
    client.force_login(surveyor)
    query = {"app_label": "registry", "model_name": model, "field_name": field, "term": "张氏"}
    response = client.get(AUTOCOMPLETE, query)
    ok = response.status_code == 200
    texts = [item["text"] for item in response.json()["results"]] if ok else []
    assert response.status_code in (200, 403)  # 403: not a field with an autocomplete
    assert "B-FAR 张氏宗祠北" not in texts


def test_the_autocomplete_reads_a_fixed_number_of_queries(
    client, surveyor, places, django_assert_max_num_queries
):
    client.force_login(surveyor)
    _choices(client, "")  # the session and the user, once
    with django_assert_max_num_queries(7):
        _choices(client, "张氏")


def test_the_survey_form_uses_it(client, surveyor, places):
    client.force_login(surveyor)
    html = client.get(reverse("admin:registry_survey_add")).content.decode()
    assert "admin-autocomplete" in html and 'name="building"' in html
    assert "vForeignKeyRawIdAdminField" not in html
    form = change_form(client.get(reverse("admin:registry_survey_add")))
    far = {**form, "building": places["far"].pk, "surveyed_on": "2024-05-01", "occupancy": "vacant"}
    response = client.post(reverse("admin:registry_survey_add"), far)
    assert response.status_code == 200 and not Survey.objects.exists()  # refused, not saved


# --- the reviewer's queue and what a survey changes


def test_the_reviewers_home_counts_the_surveys_waiting_for_them(client, reviewer, surveyor):
    mine, far = building("B1"), building("B2", region="110101")
    for day in (1, 2):
        survey(mine, day=DAY.replace(day=day), state="submitted", by=surveyor)
    survey(far, state="submitted", by=surveyor)  # outside the reviewer's regions
    survey(mine, day=DAY.replace(day=3), state="draft", by=surveyor)
    survey(mine, day=DAY.replace(day=4), state="approved", by=surveyor)
    client.force_login(reviewer)
    html = client.get(reverse("admin:index")).content.decode()
    queue = f'<a href="{SURVEYS}?state__exact=submitted">待审核 2</a>'
    assert queue in html
    listed = client.get(f"{SURVEYS}?state__exact=submitted").context["cl"].result_list
    assert len(listed) == 2
    client.force_login(surveyor)
    assert "待审核" not in client.get(reverse("admin:index")).content.decode()


def test_a_survey_under_review_shows_what_changed(client, reviewer, surveyor):
    b = building("B1")
    survey(b, day=DAY.replace(month=1), state="approved", occupancy="in_use",
           condition="good", use="住宅")  # fmt: skip
    survey(b, day=DAY.replace(month=9), state="approved", occupancy="vacant")  # later: not it
    s = survey(b, state="submitted", by=surveyor, occupancy="vacant", condition="poor",
               use="住宅", notes="屋顶漏雨")  # fmt: skip
    client.force_login(reviewer)
    html = client.get(reverse("admin:registry_survey_change", args=[s.pk])).content.decode()
    assert "上次已通过的调查：2024-01-01" in html
    for row in (("使用状况", "在用", "空置"), ("保存状况", "好", "差"), ("备注", "-", "屋顶漏雨")):
        assert "<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(*row) in html
    assert "<td>用途</td>" not in html  # unchanged


def test_a_first_survey_says_there_is_nothing_to_compare(client, reviewer, surveyor):
    s = survey(building("B1"), state="submitted", by=surveyor)
    client.force_login(reviewer)
    html = client.get(reverse("admin:registry_survey_change", args=[s.pk])).content.decode()
    assert "这栋建筑此前没有已通过的调查。" in html


# --- region filters, the site's name


def _region_choices(response) -> list[str]:
    specs = response.context["cl"].filter_specs
    [spec] = [f for f in specs if getattr(f, "parameter_name", None) == "region"]
    return [code for code, _name in spec.lookup_choices]


def test_a_surveyors_region_filter_lists_their_regions(client, admin_client):
    person = user("s2", "surveyor", regions=("140728", "140700"), password=None)
    client.force_login(person)
    assert _region_choices(client.get(RECORDS)) == ["140700", "140728"]
    assert _region_choices(client.get(SURVEYS)) == ["140700", "140728"]
    provinces = _region_choices(admin_client.get(RECORDS))
    assert "110000" in provinces and len(provinces) > 30 and "140728" not in provinces


@pytest.mark.parametrize(
    "language, name",
    [("zh-hans", "历史文化保护名录管理"), ("en", "Historic Heritage Registry administration")],
)
def test_the_admin_has_the_sites_own_name(client, surveyor, language, name):
    client.force_login(surveyor)
    client.cookies["django_language"] = language
    html = client.get(reverse("admin:index"), headers={"accept-language": language}).content
    html = html.decode()
    assert f'<a href="{reverse("admin:index")}">{name}</a>' in html
    assert "Django" not in html


def test_the_home_page_counts_the_queue_in_one_query(client, reviewer, surveyor):
    mine = building("B1")
    client.force_login(reviewer)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("admin:index")).status_code == 200
        return len(captured)

    none = queries()
    for day in range(1, 11):
        survey(mine, day=DAY.replace(day=day), state="submitted", by=surveyor)
    assert queries() == none <= 8  # measured: 8 (the session, the user, roles, regions, the
    # queue's count, the recent actions and the apps' permissions)
