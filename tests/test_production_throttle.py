"""Admin logins are throttled per user name and address (django-axes); anonymous API clients
are throttled by DRF (AnonRateThrottle)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

PASSWORD = "correct horse battery staple 历史"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "officer", password=PASSWORD, is_staff=True, is_superuser=True
    )


def login(client, password, username="officer", ip="203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
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


@pytest.fixture
def tight_anon_rate(monkeypatch):
    # DRF reads the rates once into the throttle class: patch them there for this test.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "5/minute"})
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_anonymous_api_clients_get_429_past_the_rate(client, tight_anon_rate):
    assert "rest_framework.throttling.AnonRateThrottle" in [
        f"{c.__module__}.{c.__name__}" for c in api_settings.DEFAULT_THROTTLE_CLASSES
    ]
    statuses = [client.get("/api/v1/records/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    response = client.get("/api/v1/indicators/")  # the rate is per client, across endpoints
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # Another address has its own allowance.
    assert client.get("/api/v1/records/", REMOTE_ADDR="198.51.100.9").status_code == 200
