"""Admin logins are throttled per user name and client address (django-axes); anonymous clients
are throttled on the API and the public pages alike, by one counter per client address. The
client's address is REMOTE_ADDR, or behind HERITAGE_TRUSTED_PROXIES proxies the entry they
appended to X-Forwarded-For (registry/client_address.py); a client cannot choose it."""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

PASSWORD = "correct horse battery staple 历史"
PROXY = "10.0.0.1"  # the TLS proxy's address, REMOTE_ADDR of every request behind it
NOW = 1_000_000.0  # 40 s into a minute: the pinned throttle clock (see `clock`)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "officer", password=PASSWORD, is_staff=True, is_superuser=True
    )


def login(client, password, username="officer", ip="203.0.113.7", **headers):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        **headers,
    )


@override_settings(AXES_FAILURE_LIMIT=3)
def test_admin_login_locked_after_repeated_failures(client, staff):
    for _ in range(2):
        response = login(client, "wrong")
        assert response.status_code == 200  # the form again, with its error
    assert login(client, "wrong").status_code == 429  # the third failure locks the pair out
    # Now even the right password is refused from that address for that name ...
    assert login(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # ... but the same user from another address, and another name from the same, still may.
    assert login(client, PASSWORD, ip="198.51.100.9").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_successful_login_resets_the_count(client, staff):
    for _ in range(2):
        login(client, "wrong")
    assert login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert login(client, "wrong").status_code == 200


def test_code_logins_without_a_request_still_work(client, staff):
    assert client.login(username="officer", password=PASSWORD)


@override_settings(HERITAGE_TRUSTED_PROXIES=1)
def test_lockout_behind_the_proxy_is_per_client_not_per_proxy(client, staff):
    # Five failures from client A (the default limit), all arriving from the proxy's address.
    statuses = [
        login(client, "wrong", ip=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code
        for _ in range(5)
    ]
    assert statuses == [200] * 4 + [429]
    # A is locked out, even with the right password and a forged entry in front of its own ...
    forged = "198.51.100.77, 203.0.113.5"
    assert login(client, PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR=forged).status_code == 429
    # ... but the registrar at client B, behind the same proxy, logs in.
    response = login(client, PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert response.status_code == 302


@override_settings(HERITAGE_TRUSTED_PROXIES=0)
def test_lockout_without_a_trusted_proxy_ignores_forwarded_for(client, staff):
    # Reached directly, a new X-Forwarded-For per attempt does not make a new client.
    statuses = [
        login(client, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code for i in range(6)
    ]
    assert statuses == [200] * 4 + [429] * 2


# Anonymous clients: API and pages.


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock stands still, so that a test never straddles the start of a new
    counting period (it would get a fresh allowance half-way)."""
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: NOW))


@pytest.fixture
def anon_rate(monkeypatch, clock):
    # DRF reads the rates once into the throttle class: patch them there for the test.
    def set_rate(rate: str) -> None:
        monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": rate})

    return set_rate


@pytest.mark.django_db
def test_anonymous_api_clients_get_429_past_the_rate(client, anon_rate):
    anon_rate("5/minute")
    throttles = api_settings.DEFAULT_THROTTLE_CLASSES
    assert [c.__name__ for c in throttles] == ["AnonRateThrottle"]
    assert issubclass(throttles[0], AnonRateThrottle)
    statuses = [client.get("/api/v1/records/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = client.get("/api/v1/indicators/")  # the rate is per client, across endpoints
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    # Another address has its own allowance.
    assert client.get("/api/v1/records/", REMOTE_ADDR="198.51.100.9").status_code == 200


@pytest.mark.django_db
@override_settings(HERITAGE_TRUSTED_PROXIES=0)
@pytest.mark.parametrize("path", ["/api/v1/records/", "/", "/search/points/", "/reports/"])
def test_a_new_forwarded_for_per_request_does_not_escape_the_rate(client, anon_rate, path):
    anon_rate("30/minute")
    statuses = [
        client.get(path, HTTP_X_FORWARDED_FOR=f"198.51.{i // 256}.{i % 256}").status_code
        for i in range(100)
    ]
    assert statuses == [200] * 30 + [429] * 70


@pytest.mark.django_db
@override_settings(HERITAGE_TRUSTED_PROXIES=1)
def test_behind_one_proxy_clients_are_counted_apart_and_cannot_forge(client, anon_rate):
    anon_rate("5/minute")

    def get(path, xff):
        return client.get(path, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=xff).status_code

    assert [get("/api/v1/records/", "203.0.113.5") for _ in range(5)] == [200] * 5
    assert get("/api/v1/records/", "203.0.113.5") == 429
    # A forged left-most entry: the proxy appended A's real address after it.
    forged = [get("/api/v1/records/", f"192.0.2.{i}, 203.0.113.5") for i in range(20)]
    assert forged == [429] * 20
    assert get("/", "203.0.113.5") == 429  # one allowance for API and pages
    # Client B behind the same proxy has its own allowance, on pages too.
    assert [get("/reports/", "203.0.113.6") for _ in range(6)] == [200] * 5 + [429]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "请求过于频繁"), ("en", "Too many requests")],
)
def test_the_pages_429_says_when_to_come_back(client, anon_rate, language, words):
    anon_rate("2/minute")
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    assert [client.get("/", **headers).status_code for _ in range(2)] == [200, 200]
    response = client.get("/search/points/", **headers)
    assert response.status_code == 429
    assert response["Retry-After"] == "20"  # the pinned clock is 40 s into its minute
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert words in text and "20" in text
    assert "Content-Security-Policy" in response  # the page is served like any other


@pytest.mark.django_db
def test_signed_in_staff_are_not_throttled_on_pages(client, anon_rate, staff):
    anon_rate("2/minute")
    client.force_login(staff)
    assert {client.get("/reports/").status_code for _ in range(5)} == {200}


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "登录失败次数过多"), ("en", "Too many failed logins")]
)
@override_settings(AXES_FAILURE_LIMIT=2, AXES_COOLOFF_TIME=1)
def test_the_lockout_page_says_when_to_come_back(client, staff, language, words):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    login(client, "wrong", **headers)
    response = login(client, "wrong", **headers)
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert response["Content-Type"].startswith("text/html")
    assert words in response.content.decode()
