"""A plaque or an approved survey dated in the future counts from its day on, the same in every
reader: the admin's record page and plaque cards, the catalog's pages, API, filters and facet
counts, the export's CSV and the indicator report. Each reader asks the one rule
(Plaque.objects.hanging, Survey.objects.latest_approved and their raw-SQL and plain-row forms);
before, the admin counted a survey dated tomorrow today, and its plaque cards a plaque hung
tomorrow, and not one coming down tomorrow."""

import csv
import datetime
import io

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import Plaque, Record, Survey
from registry.selectors.indicators import indicator_report
from registry.selectors.records import catalog, facet_counts
from tests.exchange_helpers import run_export

pytestmark = pytest.mark.django_db
LONG_AGO = datetime.date(2010, 1, 1)


def make(code: str) -> Record:
    return Record.objects.create(
        code=code, kind="building", name=code, level="provincial", region_id="140728",
        designated_on=LONG_AGO,
    )  # fmt: skip


@pytest.fixture
def days():
    today = timezone.localdate()
    return today, today + datetime.timedelta(days=1)


@pytest.fixture
def coming(days):
    """A building whose plaque goes up tomorrow and whose survey (approved) is dated tomorrow."""
    _today, tomorrow = days
    b = make("B-COMING")
    Plaque.objects.create(record=b, number="P-NEW", installed_on=tomorrow)
    Survey.objects.create(building=b, surveyed_on=tomorrow, occupancy="vacant", state="approved")
    return b


@pytest.fixture
def going(days):
    """A building whose plaque comes down tomorrow: it still hangs today."""
    _today, tomorrow = days
    b = make("B-GOING")
    Plaque.objects.create(record=b, number="P-OLD", installed_on=LONG_AGO, removed_on=tomorrow)
    Survey.objects.create(building=b, surveyed_on=LONG_AGO, occupancy="in_use", state="approved")
    return b


@pytest.fixture
def api():
    cache.clear()  # the anonymous throttle counts in the cache
    yield APIClient()
    cache.clear()


def test_the_admin_record_page_counts_neither_before_its_day(admin_client, coming, going):
    page = admin_client.get(reverse("admin:registry_record_change", args=[coming.pk]))
    html = page.content.decode()
    assert "标志牌</strong>：未挂牌" in html
    assert "最近一次已通过调查</strong>：无已通过的调查" in html
    page = admin_client.get(reverse("admin:registry_record_change", args=[going.pk]))
    html = page.content.decode()
    assert "标志牌</strong>：P-OLD" in html
    assert f"最近一次已通过调查</strong>：{LONG_AGO} 在用" in html


def test_the_admin_plaque_cards_print_the_plaque_hanging_today(coming, going):
    record_admin = admin.site._registry[Record]
    cards = record_admin.plaque_cards(Record.objects.filter(pk__in=[coming.pk, going.pk]))
    assert {c.code: c.number for c in cards} == {"B-COMING": "", "B-GOING": "P-OLD"}


def test_the_catalog_pages_api_filters_and_facets(client, api, coming, going, days):
    today, _tomorrow = days
    detail = api.get(f"/api/v1/records/{coming.code}/").json()
    assert detail["plaqued"] is False and detail["occupancy"] == "unknown"
    assert [p["hanging"] for p in detail["plaques"]] == [False]
    assert detail["surveys"] == []
    detail = api.get(f"/api/v1/records/{going.code}/").json()
    assert detail["plaqued"] is True and detail["occupancy"] == "in_use"
    assert [p["hanging"] for p in detail["plaques"]] == [True]

    def found(query):
        return {r["code"] for r in api.get(f"/api/v1/records/?{query}").json()["results"]}

    assert found("plaqued=true") == {"B-GOING"}
    assert found("plaqued=false") == {"B-COMING"}
    assert found("occupancy=unknown") == {"B-COMING"}
    assert found("occupancy=vacant") == set()
    counts = facet_counts(catalog(), today)
    assert counts["plaqued"] == {True: 1, False: 1}
    assert counts["occupancy"] == {"unknown": 1, "in_use": 1}

    page = client.get(reverse("catalog-record", args=[coming.code]))
    assert page.context["record"].plaqued is False
    assert page.context["record"].occupancy == "unknown"
    assert page.context["record"].survey_list == []


def test_the_export_csv(coming, going):
    rows = {
        r["编号"]: r
        for r in csv.DictReader(io.StringIO(run_export("--format", "csv").lstrip("\ufeff")))
    }
    assert rows["B-COMING"]["现挂保护标志牌数"] == "0"
    assert rows["B-COMING"]["牌号"] == "" and rows["B-COMING"]["使用状况"] == ""
    assert rows["B-COMING"]["最近调查日期"] == ""
    assert rows["B-GOING"]["现挂保护标志牌数"] == "1" and rows["B-GOING"]["牌号"] == "P-OLD"
    assert rows["B-GOING"]["使用状况"] == "在用"


def test_the_indicator_report_today_and_tomorrow(coming, going, days):
    today, tomorrow = days
    now = indicator_report(as_of=today)["total"]
    assert (now["buildings"], now["buildings_plaqued"]) == (2, 1)  # B-GOING's
    assert (now["buildings_vacant"], now["buildings_occupancy_unknown"]) == (0, 1)  # B-COMING
    then = indicator_report(as_of=tomorrow)["total"]
    assert then["buildings_plaqued"] == 1  # B-COMING's, B-GOING's is down
    assert (then["buildings_vacant"], then["buildings_occupancy_unknown"]) == (1, 0)
