"""The anonymous rate: one allowance per client address, for the API and the public pages.

DRF applies AnonRateThrottle to every API view (settings.REST_FRAMEWORK); PageThrottleMiddleware
applies the same class, so the same counter, to every other view (the pages, the admin's login,
the language switch). Signed-in users are not counted, as in DRF. The client is
registry.client_address.client_address: X-Forwarded-For only from trusted proxies.

How it counts: a counter per client and period of the clock (each whole minute for
"600/minute"), increased with the cache's atomic `incr` (Redis INCR with REDIS_URL; under a lock
in the per-process memory cache otherwise); Retry-After is the rest of the period. DRF's own
throttle reads the client's history, appends and writes it back: workers answering one client at
the same time overwrite each other's writes (8 threads on two Redis connections: 200 of 200
requests passed a 50/minute rate; tests/test_throttle_redis.py). The cost of fixed periods: up
to twice the rate in a burst that straddles the start of a period; over any longer span, the
rate.

If the cache cannot be reached, requests pass and the error is logged: a Redis outage must not
take the registry down with it.
"""

import logging
import math

import redis
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import throttling

from registry.client_address import client_address

logger = logging.getLogger(__name__)


class AnonRateThrottle(throttling.AnonRateThrottle):
    """DRF's anonymous throttle with our client address and an atomic counter. The rate stays
    DRF's: settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] (HERITAGE_ANON_RATE)."""

    def get_ident(self, request) -> str:
        return str(client_address(request))

    def allow_request(self, request, view) -> bool:
        self.wait_seconds = None
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)  # None for a signed-in user
        if key is None:
            return True
        now = self.timer()
        period = int(now // self.duration)
        try:
            count = self._count(f"{key}:{period}")
        except (redis.RedisError, OSError):
            logger.exception("throttle: cache unreachable, request let through")
            return True
        if count <= self.num_requests:
            return True
        self.wait_seconds = (period + 1) * self.duration - now
        return False

    def _count(self, key: str) -> int:
        # Kept for two periods, so that the key does not expire between add() and incr() (Redis
        # would then start a new key without expiry); a period's key is never read after it.
        # The memory cache may still drop it there when full: then add it again.
        for _attempt in range(2):
            self.cache.add(key, 0, timeout=2 * self.duration)
            try:
                return self.cache.incr(key)
            except ValueError:
                continue
        return 1

    def wait(self) -> float | None:
        return self.wait_seconds


class DownloadRateThrottle(AnonRateThrottle):
    """A second, tighter allowance for the catalog's downloads (registry/record_downloads.py),
    the heaviest request an anonymous visitor can make: a whole-catalog file holds a worker and a
    database connection for tens of seconds, so the page rate (600/minute) would let three
    visitors occupy every worker. Signed-in users are not counted. HERITAGE_DOWNLOAD_RATE."""

    scope = "downloads"


def download_allowed(request):
    """None, or the 429 page for an anonymous visitor past the downloads' allowance (the page
    downloads; the API's action names DownloadRateThrottle among its throttles)."""
    throttle = DownloadRateThrottle()
    if throttle.allow_request(request, None):
        return None
    seconds = math.ceil(throttle.wait())
    message = _("下载过于频繁。请在 %(seconds)s 秒后重试。") % {"seconds": seconds}
    return too_many_requests(request, message, seconds)


class PageThrottleMiddleware:
    """The anonymous rate for every view DRF does not throttle itself: a 429 page (in the
    visitor's language) with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Not at the top: rest_framework.views reads DEFAULT_THROTTLE_CLASSES, i.e. this module.
        from rest_framework.views import APIView

        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None  # DRF counts it, with the same throttle
        if getattr(view_func, "page_throttle_exempt", False):
            return None
        throttle = AnonRateThrottle()
        if throttle.allow_request(request, None):
            return None
        seconds = math.ceil(throttle.wait())
        message = _("请求过于频繁。请在 %(seconds)s 秒后重试。") % {"seconds": seconds}
        return too_many_requests(request, message, seconds)


def page_throttle_exempt(view):
    """For the files a page loads (its photos): counted, a page of twenty thumbnails would
    spend twenty requests of the visitor's allowance; and reading who the visitor is would
    make a public photo vary by cookie, so no shared cache could keep it."""
    view.page_throttle_exempt = True
    return view


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): the same 429 page, in
    the visitor's language, instead of axes' English plain text. The lock lasts the cool-off
    from the last failure: Retry-After is that whole time, an upper bound."""
    from axes.helpers import get_cool_off  # not at the top: axes reads settings on import

    seconds = math.ceil(get_cool_off(request).total_seconds())
    message = _("登录失败次数过多：此用户名从您的地址登录已暂停。请在 %(minutes)s 分钟后重试。") % {
        "minutes": math.ceil(seconds / 60)
    }
    return too_many_requests(request, message, seconds)


def too_many_requests(request, message: str, seconds: int):
    response = render(request, "throttled.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
