"""Where the admin's login and logout send a user: a refused `next` (another site) falls back
to a page that exists, never to Django's default /accounts/profile/ (a 404 here) or to a
logout URL that only takes POST (a 405)."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url

PASSWORD = "correct horse battery staple 历史"
EVIL = "https://evil.example/"


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "officer", password=PASSWORD, is_staff=True, is_superuser=True
    )


def login(client, query: str):
    return client.post(
        f"/admin/login/{query}", {"username": "officer", "password": PASSWORD}, follow=True
    )


@pytest.mark.parametrize(
    "query", [f"?next={EVIL}", "?next=//evil.example/", "?next=", "", "?next=/admin/registry/"]
)
def test_login_lands_on_a_page_that_exists(client, staff, query):
    response = login(client, query)
    assert response.status_code == 200
    assert response.redirect_chain, "a successful login redirects"
    landed = response.redirect_chain[-1][0]
    assert "evil.example" not in landed
    assert client.session.get("_auth_user_id") == str(staff.pk)
    if query.endswith("/admin/registry/"):
        assert landed == "/admin/registry/"  # a safe next is still followed
    else:
        assert landed == "/admin/"


@pytest.mark.parametrize("query", [f"?next={EVIL}", ""])
def test_logout_lands_on_a_page_that_exists(client, staff, query):
    client.force_login(staff)
    response = client.post(f"/admin/logout/{query}", follow=True)
    assert response.status_code == 200
    assert all("evil.example" not in url for url, _ in response.redirect_chain)
    assert "_auth_user_id" not in client.session


def test_the_fallback_urls_are_pages(client, staff):
    # Where login sends a signed-in user when `next` is refused, and where login_required would
    # send a visitor: both must exist (Django's defaults, /accounts/..., do not here).
    assert client.get(resolve_url(settings.LOGIN_URL)).status_code == 200
    client.force_login(staff)
    assert client.get(resolve_url(settings.LOGIN_REDIRECT_URL)).status_code == 200
