"""Every public page and download in English: no Han character outside record data.

Record data (names, addresses, survey uses, plaque numbers) stays Chinese and is marked
lang="zh-Hans" in the page (tests/english_pages.py skips those elements); everything else the
site writes (labels, enum values, region names, messages, chart labels, download headers) is
English. The browser half (what the scripts draw) is tests/browser/test_english_browser.py.
"""

import csv
import io
import re
import sqlite3
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client, RequestFactory
from django.utils import translation
from openpyxl import load_workbook

from registry.middleware import DatabaseBusyMiddleware
from registry.models import Plaque, Record, Region, Survey
from registry.throttling import AnonRateThrottle
from tests.catalog_builders import build_catalog
from tests.english_pages import leaks, text_leaks

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat():
    records = build_catalog()
    Record.objects.filter(code="JZ-B-0001").update(address="平遥县城南大街 12 号")
    return records


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def record_data() -> list[str]:
    """Every string the test's records carry: what an English page may show in Chinese."""
    values = [*Record.objects.values_list("name", flat=True)]
    values += [a for a in Record.objects.values_list("address", flat=True) if a]
    values += [n for n in Plaque.objects.values_list("number", flat=True) if n]
    for use, notes, surveyor in Survey.objects.values_list("use", "notes", "surveyor"):
        values += [v for v in (use, notes, surveyor) if v]
    return values


def assert_english(response, status=200):
    assert response.status_code == status, response.content[:500]
    page = response.content.decode()
    assert '<html lang="en"' in page
    assert leaks(page, record_data()) == []


PAGES = [
    "/",
    "/?kind=building",
    "/?region=140000",
    "/?level=national&status=designated",
    "/?plaqued=false",
    "/?occupancy=vacant",
    "/?occupancy=unknown&kind=building",
    "/?q=zongci",
    "/?q=nothing-matches-this",
    "/?ordering=name",
    "/?parent=JZ-D-0001",
    "/records/HC-140728/",  # a city, with a child
    "/records/JZ-D-0001/",  # a district: plaque history
    "/records/JZ-B-0001/",  # a building: plaque, surveys, address
    "/records/TY-B-0002/",  # revoked
    "/records/CS-B-0003/",  # a candidate without coordinates
    "/records/GD-V-0001/",  # a village designated in the future
    "/reports/",
    "/reports/?by=none",
    "/reports/?by=level",
    "/reports/?by=province&level=national",
    "/reports/?region=140000",
    "/reports/?region=140700",
    "/reports/?region=140728",
    "/reports/?region=140728&by=level",
    "/reports/?as_of=2015-01-01&region=140000&by=county",
    "/protection/",
    "/protection/?lat=37.2&lon=112.18&as_of=2020-01-01",
]


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_are_english(english, cat, path):
    assert_english(english.get(path))


@pytest.mark.parametrize(
    "path",
    [
        "/?kind=castle",
        "/?region=1",
        "/reports/?by=street",
        "/reports/?region=1",
        "/protection/?lat=x",
    ],
)
def test_bad_parameters_answer_in_english(english, cat, path):
    assert_english(english.get(path), status=400)


@pytest.mark.parametrize("path", ["/no-such-page/", "/records/NOPE-1/"])
def test_not_found_is_english(english, cat, path):
    assert_english(english.get(path), status=404)
    chinese = Client().get(path)
    assert chinese.status_code == 404 and "未找到" in chinese.content.decode()


def test_api_docs_page_title_is_english(english):
    response = english.get("/api/v1/docs/")
    assert response.status_code == 200
    assert "<title>Historic Heritage Registry API</title>" in response.content.decode()
    assert leaks(response.content.decode()) == []


def test_nul_refusal_is_english(english):
    assert_english(english.get("/?q=%00"), status=400)


def test_busy_page_is_english(tmp_path):
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError) as caught:
        waiter.execute("BEGIN IMMEDIATE")
    holder.close(), waiter.close()
    request = RequestFactory().post("/admin/")
    with translation.override("en"):
        response = DatabaseBusyMiddleware(lambda r: None).process_exception(
            request, OperationalError(*caught.value.args)
        )
    assert_english(response, status=503)


def test_throttled_page_is_english(english, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/minute"})
    assert english.get("/reports/").status_code == 200
    assert_english(english.get("/reports/"), status=429)


def test_the_language_menu_names_each_language_in_itself(english):
    for page in (Client().get("/"), english.get("/")):
        html = page.content.decode()
        assert '<option value="zh-hans"' in html and 'lang="zh-Hans">中文</option>' in html
        assert 'lang="en">English</option>' in html
        assert "英语" not in html


def test_region_names_follow_the_language(english, cat):
    page = english.get("/records/JZ-B-0001/").content.decode()
    assert "Shanxi Province" in page and "Pingyao County" in page and "Jinzhong" in page
    page = english.get("/reports/?region=140700").content.decode()
    assert "Pingyao County" in page and "平遥县" not in page
    chinese = Client().get("/records/JZ-B-0001/").content.decode()
    assert "平遥县" in chinese and "Pingyao County" not in chinese


def test_the_api_label_stays_the_regions_name(english, cat):
    """indicators.md: a report row's label is the region's name, whatever the language."""
    body = english.get("/api/v1/indicators/?region=140000&by=prefecture").json()
    assert {row["label"] for row in body["rows"]} == {"晋中市"}


@pytest.mark.parametrize(
    "query", ["", "?by=level", "?region=140000", "?region=140728&by=none", "?as_of=2015-01-01"]
)
def test_report_csv_is_english(english, cat, query):
    response = english.get(f"/reports/csv/{query}")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text_leaks(text) == []
    header, *rows = csv.reader(io.StringIO(text))
    assert header[:3] == ["Code", "Name", "Historic districts"]
    flags = [i for i, title in enumerate(header) if title.endswith("target met")]
    assert len(flags) == 2
    assert {row[i] for row in rows for i in flags} <= {"Yes", "No", ""}


@pytest.mark.parametrize("query", ["", "?by=level", "?region=140000", "?level=national"])
def test_report_xlsx_is_english(english, cat, query):
    response = english.get(f"/reports/xlsx/{query}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [ws.title for ws in book.worksheets]
    for sheet in book.worksheets:
        cells += [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert text_leaks("\n".join(cells)) == []


def test_report_downloads_stay_chinese_for_chinese_readers(cat):
    text = Client().get("/reports/csv/?region=140000").content.decode("utf-8-sig")
    assert text.startswith("代码,名称") and "晋中市" in text


def test_every_region_has_an_english_name():
    assert not Region.objects.filter(name_en="").exists()
    assert Region.objects.get(code="140000").name_en == "Shanxi Province"


@pytest.fixture
def staff_en(admin_client):
    admin_client.cookies["django_language"] = "en"
    return admin_client


ADMIN_PAGES = [
    "/admin/",
    "/admin/registry/",
    "/admin/registry/record/",
    "/admin/registry/record/?kind__exact=building",
    "/admin/registry/record/add/",
    "/admin/registry/record/{building}/change/",
    "/admin/registry/plaque/",
    "/admin/registry/plaque/add/",
    "/admin/registry/plaque/{plaque}/change/",
    "/admin/registry/survey/{survey}/change/",
    "/admin/registry/survey/import/",
    "/admin/auth/user/",
    "/admin/auth/group/",
    "/admin/password_change/",
    "/admin/registry/survey/",
    "/admin/registry/survey/add/",
    "/admin/registry/changelog/",
    "/admin/registry/photo/",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_are_english(staff_en, cat, path):
    path = path.format(
        building=cat["JZ-B-0001"].pk,
        plaque=Plaque.objects.filter(record__code="JZ-B-0001").get().pk,
        survey=Survey.objects.filter(state="approved").first().pk,
    )
    response = staff_en.get(path, follow=True)
    assert response.status_code == 200, path
    assert leaks(response.content.decode(), record_data()) == []


@pytest.mark.parametrize("path", ["/admin/registry/region/", "/admin/registry/region/140728/"])
def test_admin_region_pages_are_english_but_for_the_chinese_names(staff_en, path):
    """The Region admin shows each division's Chinese name as data, beside its English one."""
    response = staff_en.get(path, follow=True)
    assert response.status_code == 200, path
    names = Region.objects.values_list("name", flat=True)
    assert leaks(response.content.decode(), names) == []


def test_admin_login_is_english(english):
    assert_english(english.get("/admin/login/"))


def test_admin_branding(staff_en):
    page = staff_en.get("/admin/").content.decode()
    assert "Historic Heritage Registry" in page and "Django administration" not in page
    login = Client().get("/admin/login/").content.decode()
    assert "历史文化保护名录" in login and "Django 管理" not in login


def test_the_leak_check_sees_what_it_should():
    """The yardstick itself: a Chinese label leaks, marked record data does not."""
    assert leaks('<p>名称 <span lang="zh-Hans">张氏宗祠</span></p>') != []
    assert leaks('<p>Name <span lang="zh-Hans">张氏<b>宗祠</b></span> <br>ok</p>') == []
    assert leaks('<div aria-label="地图"></div>') != []
    assert leaks("<title>张氏宗祠 · Registry</title>", ["张氏宗祠"]) == []
    assert text_leaks("Code，Name") != []


@pytest.fixture(autouse=True)
def _no_mock_leftovers():
    yield
    mock.patch.stopall()


def test_every_msgid_of_the_english_catalogue_is_translated():
    """An empty msgstr shows the Chinese msgid in an English page; a fuzzy one is ignored by
    msgfmt, with the same effect."""
    from pathlib import Path

    po = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
    blocks = po.read_text(encoding="utf-8").split("\n\n")[1:]  # the first is the header
    empty = re.compile(r'^msgstr(?:\[\d\])? ""\n(?!")', re.MULTILINE)
    untranslated = [b for b in blocks if "#, fuzzy" in b or empty.search(b + "\n")]
    assert untranslated == []
