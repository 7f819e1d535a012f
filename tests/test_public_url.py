"""Every printed or stored absolute link names the registry's public address
(HERITAGE_PUBLIC_URL), never the host of the request that made it."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from heritage.settings.base import checked_public_url
from registry.models import Record
from registry.public_url import public_url
from registry.services import plaques as plaque_service
from tests.workflow_builders import user

PUBLIC = "https://heritage.example.gov.cn"
INTRANET = {"HTTP_HOST": "intranet.local"}
HOSTS = ["testserver", "intranet.local"]


@pytest.fixture
def encoded(monkeypatch):
    """What the QR codes on a sheet encode."""
    payloads = []
    real = plaque_service.segno.make

    def spy(content, *args, **kwargs):
        payloads.append(content)
        return real(content, *args, **kwargs)

    monkeypatch.setattr(plaque_service.segno, "make", spy)
    return payloads


@pytest.mark.django_db
@pytest.mark.parametrize("base", [PUBLIC, "https://gov.example.cn/heritage"])
@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_sheet_printed_from_an_intranet_host_encodes_the_public_address(client, encoded, base, fmt):
    b0 = Record.objects.create(code="B0", kind="building", name="宅", level="provincial",
                               region_id="140728")  # fmt: skip
    client.force_login(user("s", "surveyor", password=None))
    with override_settings(HERITAGE_PUBLIC_URL=base, ALLOWED_HOSTS=HOSTS):
        response = client.post(
            reverse("admin:registry_record_changelist"),
            {"action": f"plaque_sheet_{fmt}", "_selected_action": [b0.pk]},
            **INTRANET,
        )
        b"".join(response.streaming_content)
    assert encoded == [f"{base}/records/B0/"]


@pytest.mark.django_db
def test_api_links_name_the_public_address(client):
    for i in range(3):
        Record.objects.create(code=f"B{i}", kind="building", name="宅", level="provincial",
                              region_id="140728")  # fmt: skip
    with override_settings(HERITAGE_PUBLIC_URL=PUBLIC, ALLOWED_HOSTS=HOSTS):
        first = client.get("/api/v1/records/?page_size=1&kind=building", **INTRANET).json()
        second = client.get("/api/v1/records/?page_size=1&kind=building&page=2", **INTRANET).json()
        third = client.get("/api/v1/records/?page_size=1&kind=building&page=3", **INTRANET)
        detail = client.get("/api/v1/records/B0/", **INTRANET).json()
    assert first["results"][0]["url"] == f"{PUBLIC}/api/v1/records/B0/"
    assert detail["url"] == f"{PUBLIC}/api/v1/records/B0/"
    assert first["next"] == f"{PUBLIC}/api/v1/records/?kind=building&page=2&page_size=1"
    assert second["previous"] == f"{PUBLIC}/api/v1/records/?kind=building&page_size=1"
    assert third.json()["previous"] == f"{PUBLIC}/api/v1/records/?kind=building&page=2&page_size=1"


@pytest.mark.parametrize(
    "base, path, expected",
    [
        (PUBLIC, "/records/B0/", f"{PUBLIC}/records/B0/"),
        ("https://gov.example.cn/heritage", "/records/B0/", "https://gov.example.cn/heritage/records/B0/"),
        ("http://127.0.0.1:8000", "/", "http://127.0.0.1:8000/"),
    ],
)  # fmt: skip
def test_public_url_joins_the_base_and_a_path(base, path, expected):
    with override_settings(HERITAGE_PUBLIC_URL=base):
        assert public_url(path) == expected


def test_public_url_drops_the_script_prefix_the_request_was_served_under():
    """An intranet proxy may serve the site under /registry/: reverse() then includes it, but
    the public address carries its own prefix."""
    from django.urls import set_script_prefix

    set_script_prefix("/registry/")
    try:
        with override_settings(HERITAGE_PUBLIC_URL=PUBLIC):
            assert public_url(reverse("catalog-record", args=["B0"])) == f"{PUBLIC}/records/B0/"
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://heritage.example.gov.cn", "https://heritage.example.gov.cn"),
        ("https://heritage.example.gov.cn/", "https://heritage.example.gov.cn"),
        ("https://gov.example.cn/heritage/", "https://gov.example.cn/heritage"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_valid_public_addresses(value, expected):
    assert checked_public_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "heritage.example.gov.cn",  # no scheme
        "//heritage.example.gov.cn",
        "ftp://heritage.example.gov.cn",
        "javascript:alert(1)",
        "https://",
        "https://heritage.example.gov.cn/?a=1",
        "https://heritage.example.gov.cn/?",
        "https://heritage.example.gov.cn/#top",
        "https://user:pw@heritage.example.gov.cn",
        "https://heritage.example.gov.cn:99999",
        "https://heritage.example.gov.cn/a b",
        "https://heritage.example.gov.cn/../x",
        "https://heritage.example.gov.cn//x",
        " https://heritage.example.gov.cn",
        "https://heritage.example.gov.cn\n",
    ],
)
def test_invalid_public_addresses_are_refused(value):
    with pytest.raises(ImproperlyConfigured, match="HERITAGE_PUBLIC_URL"):
        checked_public_url(value)
