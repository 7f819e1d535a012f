"""The public surface beside the catalog: the regions API, CORS on the read-only API,
robots.txt and the sitemap of record pages."""

import re

import pytest
from django.core.cache import cache
from django.test import override_settings

from registry.views import crawlers
from tests.catalog_builders import make

pytestmark = pytest.mark.django_db
PUBLIC = "https://heritage.example.cn/registry"


@pytest.fixture(autouse=True)
def unthrottled():
    cache.clear()
    yield
    cache.clear()


# --- /api/v1/regions/ ---------------------------------------------------------------------


def test_regions_without_parent_are_the_provinces(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = client.get("/api/v1/regions/").json()
    assert len(rows) == 34 and {r["level"] for r in rows} == {"province"}
    assert {"code": "110000", "name": "北京市", "parent": None}.items() <= rows[0].items()
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)


def test_regions_under_a_parent(client, django_assert_num_queries):
    with django_assert_num_queries(2):  # the parent checked, its children
        rows = client.get("/api/v1/regions/", {"parent": "140000"}).json()
    jinzhong = next(r for r in rows if r["code"] == "140700")
    expected = {
        "code": "140700",
        "name": "晋中市",
        "name_en": "Jinzhong",
        "level": "prefecture",
        "parent": "140000",
    }
    assert expected.items() <= jinzhong.items()
    assert len(rows) == 11 and all(r["parent"] == "140000" for r in rows)
    counties = client.get("/api/v1/regions/", {"parent": "140700"}).json()
    assert "平遥县" in [r["name"] for r in counties]
    assert client.get("/api/v1/regions/", {"parent": "140728"}).json() == []  # a county: none
    # Beijing's districts lie in the province itself (GB/T 2260 as packaged).
    assert "朝阳区" in [r["name"] for r in client.get("/api/v1/regions/?parent=110000").json()]
    one = client.get("/api/v1/regions/140728/").json()
    assert one["name"] == "平遥县" and one["parent"] == "140700"


@pytest.mark.parametrize("parent", ["14", "999999", "abcdef", "1400001", "' OR 1=1"])
def test_a_bad_parent_is_a_400_in_the_api_shape(client, parent):
    response = client.get("/api/v1/regions/", {"parent": parent})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["parent"] and isinstance(body["parent"], list) and body["parent"][0]


def test_regions_are_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/regions/"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["parent"]
    assert "400" in operation["responses"] and "/api/v1/regions/{code}/" in schema["paths"]


# --- CORS ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/records/", "/api/v1/regions/", "/api/v1/indicators/"])
def test_the_read_only_api_answers_any_origin(client, path):
    response = client.get(path, HTTP_ORIGIN="https://county.example.org")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    head = client.head(path, HTTP_ORIGIN="https://county.example.org")
    assert head["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_allows_reading_only(client):
    response = client.options(
        "/api/v1/records/",
        HTTP_ORIGIN="https://county.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept-language",
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "Access-Control-Allow-Credentials" not in response


def test_api_errors_carry_cors_too(client):
    response = client.get("/api/v1/regions/?parent=999999", HTTP_ORIGIN="https://x.example")
    assert response.status_code == 400 and response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/"),
        ("get", "/admin/login/"),
        ("post", "/admin/login/"),
        ("post", "/i18n/setlang/"),
        ("get", "/"),
        ("get", "/records/HC-140728/"),
        ("post", "/api/v1/records/"),  # not a read: no CORS, whatever DRF answers
    ],
)
def test_no_cors_outside_the_read_only_api(client, method, path):
    response = getattr(client, method)(path, HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response


# --- robots.txt and the sitemap -------------------------------------------------------------


def test_robots_txt(client):
    with override_settings(HERITAGE_PUBLIC_URL=PUBLIC):
        response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Allow: /" in lines and "Disallow: /admin/" in lines and "Disallow: /api/" in lines
    assert lines[-1] == f"Sitemap: {PUBLIC}/sitemap.xml"
    assert "Disallow: /records/" not in lines


@pytest.fixture
def records():
    for n in range(5):
        make(f"SM-{n}", "building", f"建筑{n}")


def test_sitemap_index_and_pages(client, records, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(crawlers.RecordSitemap, "limit", 2)
    with override_settings(HERITAGE_PUBLIC_URL=PUBLIC):
        with django_assert_num_queries(1):  # the count
            index = client.get("/sitemap.xml", HTTP_HOST="testserver")
        assert index.status_code == 200 and index["Content-Type"] == "application/xml"
        files = re.findall(r"<loc>(.*?)</loc>", index.content.decode())
        assert files == [
            f"{PUBLIC}/sitemap-records.xml",
            f"{PUBLIC}/sitemap-records.xml?p=2",
            f"{PUBLIC}/sitemap-records.xml?p=3",
        ]
        with django_assert_num_queries(2):  # the count, the page
            page = client.get("/sitemap-records.xml", {"p": 2})
            text = b"".join(page.streaming_content).decode()
        assert page.status_code == 200 and page["Content-Type"] == "application/xml"
        assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns=')
        assert text.endswith("</urlset>\n")
        assert re.findall(r"<loc>(.*?)</loc>", text) == [
            f"{PUBLIC}/records/SM-2/",
            f"{PUBLIC}/records/SM-3/",
        ]
        assert text.count("<lastmod>") == 2
        for p in ("4", "0", "x", "-1"):
            assert client.get("/sitemap-records.xml", {"p": p}).status_code == 404
        assert client.get("/sitemap-nothing.xml").status_code == 404


def test_sitemap_names_the_public_address_not_the_request_host(client, records):
    with override_settings(HERITAGE_PUBLIC_URL=PUBLIC, ALLOWED_HOSTS=["intranet.local"]):
        page = client.get("/sitemap-records.xml", HTTP_HOST="intranet.local")
        text = b"".join(page.streaming_content).decode()
    assert "intranet.local" not in text and f"{PUBLIC}/records/SM-0/" in text
