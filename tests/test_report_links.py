"""Every count on /reports/ links to the catalog filtered to exactly its records: the catalog
at each link counts the figure, for every row of every grouping, as of a past day and today."""

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from registry.models import Record
from registry.views.report_links import FIGURE_FILTERS, figure_url
from tests.indicator_builders import day, plaque, record, survey

pytestmark = pytest.mark.django_db

PAST = "2016-12-31"
LINK = re.compile(r'<a class="figure" href="([^"]+)" data-figure="([a-z_]+)">(\d+)</a>')


def archived(rec: Record, on: str) -> Record:
    rec.archive_level, rec.archive_completed_on = "brief", day(on)
    rec.save()  # a single save: the signals keep the indicator state
    return rec


@pytest.fixture
def registry():
    """Each figure differs between 2016 and today, and differs from its neighbours; a record
    filed under a prefecture's own code (140700) and a province's (140000) is a row that the
    region scope of its key would overcount."""
    b1 = record(designated="2010-01-01", region="140728")
    plaque(b1, "2011-01-01", "2018-01-01")  # plaqued in 2016, not today
    survey(b1, "2012-01-01", "vacant")
    survey(b1, "2019-01-01", "in_use")
    b2 = record(designated="2010-01-01", region="140700", level="provincial")
    plaque(b2, "2017-06-01")  # plaqued today, not in 2016
    archived(b2, "2015-01-01")
    b3 = record(designated="2010-01-01", revoked="2020-01-01", region="140000")
    survey(b3, "2014-01-01", "vacant")
    record(designated="2018-01-01", region="140105")  # designated after 2016; never surveyed
    record(region="140105")  # a candidate: counts nowhere
    d1 = record("district", designated="2012-01-01", region="140700")
    plaque(d1, "2013-01-01")
    archived(d1, "2019-05-01")
    d2 = record("district", designated="2012-01-01", region="140728", level="municipal")
    archived(d2, "2014-05-01")
    record("district", designated="2012-01-01", region="110101")
    survey(record(designated="2009-01-01", region="110101"), "2015-01-01", "vacant")
    record("city", designated="2010-01-01", region="140700")  # no figure counts a city


def catalog_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["total"]


SCOPES = [
    {"by": "province"},
    {"by": "prefecture", "region": "140000"},
    {"by": "county", "region": "140700"},
    {"by": "county", "region": "140000"},
    {"by": "prefecture"},
    {"by": "level"},
    {"by": "level", "region": "140000"},
    {"by": "province", "level": "national"},
]


@pytest.mark.parametrize("as_of", [PAST, None])
@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: "-".join(s.values()))
def test_every_count_on_the_page_links_to_as_many_records(client, registry, scope, as_of):
    params = {**scope, **({"as_of": as_of} if as_of else {})}
    html = client.get("/reports/", params).content.decode()
    links = LINK.findall(html)
    report_rows = len(client.get("/reports/", params).context["report"]["rows"])
    # Twelve links a row (four figures, two unplaqued, two archived, two unarchived, vacant,
    # unknown), and the total's.
    assert len(links) == 12 * (report_rows + 1) and report_rows
    for href, figure, shown in links:
        url = unescape(href)
        assert ("as_of=" + PAST in url) == bool(as_of), url
        assert catalog_count(client, url) == int(shown), (figure, url)


def test_a_prefecture_own_code_is_its_own_county_row(client, registry):
    response = client.get("/reports/", {"region": "140700", "by": "county", "as_of": PAST})
    rows = {r["key"]: r for r in response.context["report"]["rows"]}
    assert set(rows) == {"140700", "140728"} and rows["140700"]["buildings"] == 1
    params = response.context["params"]
    url = figure_url(params, "buildings", "140700")
    assert "region_prefix=140700" in url and "region=" not in url.replace("region_prefix", "")
    assert catalog_count(client, url) == 1
    # The scope 140700 itself is all of Jinzhong: both rows.
    assert catalog_count(client, figure_url(params, "buildings")) == 2


@pytest.mark.parametrize("as_of", [PAST, "2019-06-01", None])
def test_archived_figures_follow_indicators_md(client, registry, as_of):
    """archived as of D: archive_completed_on <= D (the report's archive columns come with
    their own change; the links are ready for them)."""
    on = day(as_of) if as_of else timezone.localdate()
    params = {"as_of": on, "region": None, "level": None, "by": "none"}
    designated = [
        r for r in Record.objects.all() if r.status_on(on) == "designated" and r.kind in
        ("district", "building")
    ]  # fmt: skip
    for kind in ("district", "building"):
        done = [r for r in designated if r.kind == kind and r.archive_completed_on
                and r.archive_completed_on <= on]  # fmt: skip
        mine = [r for r in designated if r.kind == kind]
        assert catalog_count(client, figure_url(params, f"{kind}s_archived")) == len(done)
        assert catalog_count(client, figure_url(params, f"{kind}s_unarchived")) == len(mine) - len(
            done
        )


def test_every_figure_has_a_filter_the_catalog_accepts(client, registry):
    params = {"as_of": datetime.date(2016, 12, 31), "region": "140000", "level": None}
    for name in FIGURE_FILTERS:
        assert client.get(figure_url(params, name)).status_code == 200


@pytest.mark.parametrize(
    "query", ["as_of=2016-1-1", "as_of=tomorrow", "region_prefix=140", "region_prefix=14a0"]
)
def test_bad_filters_are_refused_clearly(client, query):
    response = client.get("/?" + query)
    assert response.status_code == 400
    assert client.get("/api/v1/records/?" + query).status_code == 400
