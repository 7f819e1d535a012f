"""Settings shared by every environment, driven by environment variables."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# A development key only; heritage.settings.production refuses to start with it.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-heritage-development-only"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]


def checked_public_url(value: str) -> str:
    """HERITAGE_PUBLIC_URL as scheme://host[:port][/prefix], without a trailing slash; anything
    else (a query, a fragment, credentials, odd characters) is refused, because every QR code and
    absolute link is this text followed by a path (registry/public_url.py)."""
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # not a number, or over 65535
        port_ok = False
    if not (
        parts.scheme in {"http", "https"}
        and re.fullmatch(r"[a-z0-9.-]+|[0-9a-f:.]+", parts.hostname or "")  # IDN as xn--
        and port_ok
        and "@" not in parts.netloc
        and not re.search(r"[?#\s\\]", value)
        and re.fullmatch(r"(/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*/?", parts.path)
    ):
        raise ImproperlyConfigured(
            f"HERITAGE_PUBLIC_URL must be the registry's public address, http(s)://host with an "
            f"optional path prefix and nothing else, e.g. https://heritage.example.gov.cn; "
            f"got {value!r}."
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


# The address the public reaches the registry at: QR codes on plaques and the API's links name
# it, whichever host the request that made them came in on. Production settings require it; the
# default is `make run`'s address.
HERITAGE_PUBLIC_URL = checked_public_url(
    os.environ.get("HERITAGE_PUBLIC_URL", "http://127.0.0.1:8000")
)


def checked_tile_url(value: str) -> str:
    """HERITAGE_TILE_URL: an https tile template (XYZ, or a WMTS KVP request) naming {z}, {x}
    and {y} and no other placeholder, on a plain host without credentials: the page hands it
    to Leaflet, and the CSP lets images come from its origin (registry/middleware.py)."""
    parts = urlsplit(value)
    placeholders = re.findall(r"\{[^}]*\}", value)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if not (
        parts.scheme == "https"
        and re.fullmatch(r"[a-z0-9.-]+", parts.hostname or "")
        and port_ok
        and "@" not in parts.netloc
        and sorted(placeholders) == ["{x}", "{y}", "{z}"]
        and not re.search(r"[\s<>\"'`\\]", value)
        and not parts.fragment
    ):
        raise ImproperlyConfigured(
            "HERITAGE_TILE_URL must be an https tile address with {z}, {x} and {y} once each and "
            "no credentials, e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png; "
            f"got {value!r}."
        )
    return value


# A tile service for the maps (e.g. 天地图's): off by default, the maps then draw the shipped
# schematic outlines (static/vendor/china-outlines/) and fetch nothing. With it, its
# attribution (plain text, required: a licensed service asks for its credit and 审图号).
HERITAGE_TILE_URL = os.environ.get("HERITAGE_TILE_URL", "")
HERITAGE_TILE_ATTRIBUTION = os.environ.get("HERITAGE_TILE_ATTRIBUTION", "").strip()
if HERITAGE_TILE_URL:
    HERITAGE_TILE_URL = checked_tile_url(HERITAGE_TILE_URL)
    if not HERITAGE_TILE_ATTRIBUTION:
        raise ImproperlyConfigured("HERITAGE_TILE_URL needs HERITAGE_TILE_ATTRIBUTION.")

INSTALLED_APPS = [
    "registry.apps.HeritageAdminConfig",  # django.contrib.admin with the registry's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",  # /sitemap.xml of the record pages (registry/views/crawlers.py)
    "django.contrib.gis",  # GeoDjango: the zones (registry/zones/), SpatiaLite and PostGIS
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "axes",  # admin login throttling; its tables come with its own migrations
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that the API's 400, 429 and 503 answers carry it too (registry/cors.py).
    "registry.cors.ReadOnlyApiCorsMiddleware",
    "registry.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads a parameter into a query (sessions and users are read lazily).
    "registry.middleware.NulParameterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The anonymous rate on every view DRF does not throttle itself (the pages, the login).
    "registry.throttling.PageThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "registry.middleware.DatabaseBusyMiddleware",
    # Last, as axes asks: it turns a lockout raised during authentication into a 429 page.
    "axes.middleware.AxesMiddleware",
]


def trusted_proxies_from_env() -> int:
    """HERITAGE_TRUSTED_PROXIES: how many reverse proxies in front of gunicorn append to
    X-Forwarded-For. The rule that reads it: registry/client_address.py."""
    value = os.environ.get("HERITAGE_TRUSTED_PROXIES", "0").strip() or "0"
    if not value.isdigit():
        raise ImproperlyConfigured(
            f"HERITAGE_TRUSTED_PROXIES must be a number of proxies (0 or more), not {value!r}."
        )
    return int(value)


# The client's address, for the throttle and the login lockout (registry/client_address.py).
HERITAGE_TRUSTED_PROXIES = trusted_proxies_from_env()

# Admin login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one user name
# from one client address, that pair is locked out for AXES_COOLOFF_TIME hours (429). Keyed on
# the pair so that an attacker cannot lock a colleague out from elsewhere, nor try many names
# from one address without each name counting. A successful login resets the count. The address
# is the throttle's (behind a proxy, the client's, not the proxy's).
AUTHENTICATION_BACKENDS = [
    "registry.axes_backend.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("HERITAGE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("HERITAGE_LOGIN_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "registry.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "registry.throttling.login_locked_out"  # the 429 page, zh-hans/en

# After login, a refused or missing `next` (another site's URL) lands on the admin's index, not
# on Django's default /accounts/profile/, which does not exist here; login_required (none yet)
# would send visitors to the admin's login.
LOGIN_REDIRECT_URL = "admin:index"
LOGIN_URL = "admin:login"


def cache_from_env() -> dict:
    """The throttle counts in this cache (nothing else uses it). With several gunicorn workers
    the counters must be shared: REDIS_URL (redis://host:6379/0). Without it each process
    counts on its own, which is exact only for a single process (runserver, tests)."""
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A Redis that does not answer delays a request by at most about this long; the
            # throttle then lets it through (registry/throttling.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},  # a counter per client; the default 300 culls early
    }


CACHES = {"default": cache_from_env()}

# Content-Security-Policy (registry/middleware.py): strict everywhere, no inline scripts. Swagger
# UI sets style attributes from its own script, so its page alone may use inline styles.
CSP_INLINE_STYLE_PATHS = ["/api/v1/docs/"]

# A record's page posts its two zones back as GeoJSON text (registry/admin/zones.py): up to
# 100,000 positions each, about 2.5 MB each. Django's default (2.5 MB for a whole request,
# files aside) would refuse any save of such a record.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

ROOT_URLCONF = "heritage.urls"
WSGI_APPLICATION = "heritage.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# GDAL before 3.9 cannot be told to refuse file and network access while it parses a spatial
# reference; Debian 12 ships 3.6. The registry never builds a SpatialReference from what a user
# sends: an uploaded zone file's own reference is only compared with WGS-84 / CGCS2000 and
# anything else is refused (registry/zones/upload.py), and PROJ's network is off (its default,
# pinned here).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
os.environ.setdefault("PROJ_NETWORK", "OFF")

SPATIAL_ENGINES = {
    "django.db.backends.sqlite3": "heritage.spatialite",  # GeoDjango's, writing WKB
    "django.contrib.gis.db.backends.spatialite": "heritage.spatialite",  # spatialite:// URLs
    "django.db.backends.postgresql": "django.contrib.gis.db.backends.postgis",
}


def database_from_env() -> dict:
    """SQLite file in the repo by default; PostgreSQL (or any) via DATABASE_URL."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    # Persistent connections on SQLite too: a connection's page cache then outlives the request
    # (bench/catalog.py and bench/load.py at 1,035,121 records, run before and after: a search
    # of 12,000 matches 87 -> 26 ms; the load mix 30 -> 33.5 req/s). Outside a transaction a
    # connection holds no lock.
    db = dj_database_url.parse(url, conn_max_age=60)
    # The zones are geometries: sqlite:// and postgres:// URLs (and every script that sets
    # them) keep working, on GeoDjango's SpatiaLite and PostGIS backends.
    db["ENGINE"] = SPATIAL_ENGINES.get(db["ENGINE"], db["ENGINE"])
    if db["ENGINE"] == SPATIAL_ENGINES["django.db.backends.sqlite3"]:
        db["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN: with the default DEFERRED, concurrent
            # read-then-write transactions fail with "database is locked" instead of waiting.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-65536;",
        }
        # Tests run on an in-memory database unless SQLITE_TEST_NAME names a file (to see WAL
        # and several connections behave as in production).
        db["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_NAME") or None}
    elif db["ENGINE"].endswith("postgis"):
        # PostGIS's cost estimates of spatial filters cross the JIT threshold, and compiling then
        # costs many times the query itself (a province-sized bbox, measured while building the
        # area filter). The registry's queries are short; a URL's own options win.
        db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    return db


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Photo files. The application serves MEDIA_URL itself, with each photo's permission rule
# (registry/views/media.py); no web server may serve MEDIA_ROOT directly.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("HERITAGE_MEDIA_ROOT", BASE_DIR / "media"))
# Signs backups (manifest.json.hmac) and authenticates them at restore: README "Backup and
# restore". Only backup_heritage and restore_heritage read it, so the web server's environment
# need not hold it; production does not require it (backup_heritage refuses to run without it
# unless told --unsigned).
HERITAGE_BACKUP_KEY = os.environ.get("HERITAGE_BACKUP_KEY", "")
# Behind nginx: the path of an `internal` location aliased to MEDIA_ROOT (README "Production").
# Set, the application decides who sees a photo and nginx sends its file (X-Accel-Redirect);
# empty, the application streams the file itself.
HERITAGE_MEDIA_ACCEL_REDIRECT = os.environ.get("HERITAGE_MEDIA_ACCEL_REDIRECT", "").strip()
if HERITAGE_MEDIA_ACCEL_REDIRECT:
    HERITAGE_MEDIA_ACCEL_REDIRECT = "/" + HERITAGE_MEDIA_ACCEL_REDIRECT.strip("/") + "/"

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # DRF's anonymous throttle with our client address and an atomic counter; the pages share it.
    "DEFAULT_THROTTLE_CLASSES": ["registry.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("HERITAGE_ANON_RATE", "600/minute"),
        "downloads": os.environ.get("HERITAGE_DOWNLOAD_RATE", "30/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Heritage registry API / 历史文化保护名录 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A document's kind is not a record's kind: each enum named for what it is (the record's
    # keeps the name it had before documents came).
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "registry.choices.Kind",
        "DocumentKindEnum": "registry.models.documents.DocumentKind",
        "ProtectionStatusEnum": "registry.api.protection.STATUSES",
        "ProtectionZoneEnum": "registry.zones.protection.ZONES",
    },
    # Every endpoint is public and read only: no authentication is used or needed, so the
    # schema names none (each operation's security is [{}], anonymous).
    "AUTHENTICATION_WHITELIST": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "registry.api.schema_errors.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
