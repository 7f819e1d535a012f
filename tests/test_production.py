"""heritage.settings.production: `check --deploy` is clean, and it refuses to start insecure.

Each case runs manage.py in a subprocess, because the settings module is read once per process.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The test run's own settings variables must not leak into the production process.
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "HERITAGE_")) and k != "REDIS_URL"
    }
    environ.update(DJANGO_SETTINGS_MODULE="heritage.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def real_key() -> str:
    return secrets.token_urlsafe(50)


PUBLIC_URL = "https://heritage.example.cn"


@pytest.mark.slow
def test_check_deploy_has_no_warnings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=real_key(),
        DJANGO_ALLOWED_HOSTS="heritage.example.cn",
        HERITAGE_PUBLIC_URL=PUBLIC_URL,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.slow
def test_check_deploy_behind_a_proxy_that_redirects():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=real_key(),
        DJANGO_ALLOWED_HOSTS="heritage.example.cn",
        HERITAGE_PUBLIC_URL=PUBLIC_URL,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        HERITAGE_TRUSTED_PROXIES="1",
    )
    assert result.returncode == 0, result.stderr
    printed = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.DEBUG)",
        DJANGO_SECRET_KEY=real_key(),
        DJANGO_ALLOWED_HOSTS="heritage.example.cn",
        HERITAGE_PUBLIC_URL=PUBLIC_URL,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        HERITAGE_TRUSTED_PROXIES="1",
    )
    assert printed.stdout.split() == ["False", "('HTTP_X_FORWARDED_PROTO',", "'https')", "False"]


def test_check_deploy_fails_behind_a_proxy_with_no_trusted_proxy():
    # Behind the TLS proxy every REMOTE_ADDR is the proxy's: counted as one client, everyone
    # would share one throttle allowance and one login lockout.
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=real_key(),
        DJANGO_ALLOWED_HOSTS="heritage.example.cn",
        HERITAGE_PUBLIC_URL=PUBLIC_URL,
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
    )
    assert result.returncode != 0
    assert "heritage.W001" in result.stderr
    assert "HERITAGE_TRUSTED_PROXIES" in result.stderr


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_refuses_a_bad_number_of_trusted_proxies(value):
    result = manage(
        "check",
        DJANGO_SECRET_KEY=real_key(),
        DJANGO_ALLOWED_HOSTS="heritage.example.cn",
        HERITAGE_TRUSTED_PROXIES=value,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "HERITAGE_TRUSTED_PROXIES" in result.stderr


def test_redis_url_gives_the_workers_one_cache():
    code = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    env = {
        "DJANGO_SECRET_KEY": real_key(),
        "DJANGO_ALLOWED_HOSTS": "heritage.example.cn",
        "HERITAGE_PUBLIC_URL": PUBLIC_URL,
    }
    # Only the settings are read: nothing connects to this address.
    redis = "redis://127.0.0.1:6399/0"
    shared = manage("shell", "--no-imports", "-c", code, REDIS_URL=redis, **env)
    alone = manage("shell", "--no-imports", "-c", code, **env)
    assert shared.stdout.split() == ["django.core.cache.backends.redis.RedisCache"], shared.stderr
    assert alone.stdout.split() == ["django.core.cache.backends.locmem.LocMemCache"], alone.stderr


@pytest.mark.parametrize(
    "env",
    [
        {},  # no key at all
        {"DJANGO_SECRET_KEY": "django-insecure-heritage-development-only"},
        {"DJANGO_SECRET_KEY": "short-key"},
        {"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 60},
    ],
    ids=["missing", "development", "short", "insecure-prefix"],
)
def test_refuses_a_default_or_weak_secret_key(env):
    result = manage(
        "check", DJANGO_ALLOWED_HOSTS="heritage.example.cn", HERITAGE_PUBLIC_URL=PUBLIC_URL, **env
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_refuses_debug():
    result = manage(
        "check",
        DJANGO_SECRET_KEY=real_key(),
        DJANGO_ALLOWED_HOSTS="heritage.example.cn",
        HERITAGE_PUBLIC_URL=PUBLIC_URL,
        DJANGO_DEBUG="1",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG" in result.stderr


def test_refuses_missing_allowed_hosts():
    result = manage("check", DJANGO_SECRET_KEY=real_key(), HERITAGE_PUBLIC_URL=PUBLIC_URL)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        None,  # not set
        "",
        "heritage.example.cn",  # no scheme
        "http://heritage.example.cn",  # plain http on a plaque for years
        "https://heritage.example.cn/?from=qr",
        "https://heritage.example.cn/#top",
        "https://user@heritage.example.cn",
    ],
    ids=["missing", "empty", "no-scheme", "http", "query", "fragment", "user"],
)
def test_refuses_a_missing_or_invalid_public_url(value):
    env = {"HERITAGE_PUBLIC_URL": value} if value is not None else {}
    result = manage(
        "check", DJANGO_SECRET_KEY=real_key(), DJANGO_ALLOWED_HOSTS="heritage.example.cn", **env
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "HERITAGE_PUBLIC_URL" in result.stderr


def test_public_url_with_a_path_prefix():
    printed = manage(
        "shell",
        "--no-imports",
        "-c",
        "from registry.public_url import public_url; print(public_url('/records/B0/'))",
        DJANGO_SECRET_KEY=real_key(),
        DJANGO_ALLOWED_HOSTS="heritage.example.cn",
        HERITAGE_PUBLIC_URL="https://gov.example.cn/heritage/",
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.strip() == "https://gov.example.cn/heritage/records/B0/"


@pytest.mark.slow
def test_whitenoise_serves_collected_static_files(tmp_path):
    env = {
        "DJANGO_SECRET_KEY": real_key(),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "HERITAGE_PUBLIC_URL": PUBLIC_URL,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(tmp_path),
    }
    code = (
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
        "from django.templatetags.static import static\n"
        "from django.test import Client\n"
        "url = static('css/site.css')\n"
        "r = Client().get(url, HTTP_ACCEPT_ENCODING='gzip', secure=True)\n"
        "print(url, r.status_code, r.headers.get('Cache-Control'), "
        "r.headers.get('Content-Encoding'), sep='|')\n"
    )
    result = manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    url, status, cache, encoding = result.stdout.strip().splitlines()[-1].split("|")
    # A hashed name, served by WhiteNoise with a far-future cache and compressed.
    assert url.startswith("/static/css/site.") and url.endswith(".css")
    assert url != "/static/css/site.css"
    assert status == "200"
    assert "max-age=315360000" in cache
    assert encoding == "gzip"
