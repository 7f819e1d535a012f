"""Production settings: DJANGO_SETTINGS_MODULE=heritage.settings.production.

Serve with gunicorn behind a TLS-terminating proxy (`make serve`, README "Production"). Every
setting that depends on the deployment comes from the environment; the module refuses to start
(ImproperlyConfigured) rather than run with a development secret key, DEBUG on, or no public
address for the plaques' QR codes, because a registry that silently starts insecure is worse
than one that does not start.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import (
    INSECURE_DEFAULT_SECRET_KEY,
    MIDDLEWARE,
    SILENCED_SYSTEM_CHECKS,
    checked_public_url,
    env_bool,
)


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    # The same rule as Django's security.W009, so that `check --deploy` cannot warn about it.
    if (
        not key
        or key == INSECURE_DEFAULT_SECRET_KEY
        or key.startswith("django-insecure-")
        or len(key) < 50
        or len(set(key)) < 5
    ):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random key of at least 50 characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'); "
            "the development key is refused."
        )
    return key


def _allowed_hosts() -> list[str]:
    hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's host(s).")
    return hosts


def _public_url() -> str:
    # Printed on plaques that hang for decades: never a development default, never plain http.
    value = os.environ.get("HERITAGE_PUBLIC_URL", "")
    if not value:
        raise ImproperlyConfigured(
            "HERITAGE_PUBLIC_URL must be set to the registry's public https address "
            "(e.g. https://heritage.example.gov.cn): the plaques' QR codes carry it."
        )
    url = checked_public_url(value)
    if not url.startswith("https://"):
        raise ImproperlyConfigured(
            f"HERITAGE_PUBLIC_URL must be an https address in production; got {value!r}."
        )
    return url


if env_bool("DJANGO_DEBUG", False):
    raise ImproperlyConfigured("DJANGO_DEBUG is on: production settings refuse to start.")
DEBUG = False
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = _allowed_hosts()
HERITAGE_PUBLIC_URL = _public_url()
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# WhiteNoise serves the collected static files from gunicorn itself (no separate file server);
# it must come right after SecurityMiddleware so that redirects to HTTPS happen first.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT") or STATIC_ROOT  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names can be cached for ever; `collectstatic` writes them (and .gz copies).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS. Behind a proxy that terminates TLS, set DJANGO_SECURE_PROXY_SSL_HEADER to the header
# it sets (e.g. HTTP_X_FORWARDED_PROTO): Django then trusts it to tell https requests apart.
# Only set it when the proxy overwrites that header, or clients could forge it. Behind a proxy,
# set HERITAGE_TRUSTED_PROXIES too (base.py, registry/client_address.py), or every client is
# the proxy's address to the throttle and the login lockout; a deploy check (heritage.W001)
# refuses the one without the other.
_proxy_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
if not SECURE_SSL_REDIRECT:
    # Turned off only when the proxy itself redirects http to https (documented in README).
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W008"]  # base's gis.W001 kept
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
