"""Content-Security-Policy on every response, a NUL in a parameter refused for the whole
site, and a clear answer when the database is busy.

Content-Security-Policy:

The pages load their scripts and styles from our own static files only, so a strict policy
costs nothing and turns an injected <script> or on*= handler (say, in a record's name that a
template forgot to escape) into a blocked no-op. There is deliberately no 'unsafe-inline' for
scripts anywhere. The one relaxation: Swagger UI (the API docs page) writes style attributes from
its own script, so that path also allows inline styles; its scripts stay 'self' only.
"""

from itertools import chain
from urllib.parse import urlsplit

from django.conf import settings
from django.db.utils import OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

DEFAULT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
RELAXED_STYLE = {"style-src": "'self' 'unsafe-inline'"}


def _header(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        policy = {**DEFAULT_POLICY, **getattr(settings, "CONTENT_SECURITY_POLICY", {})}
        if getattr(settings, "HERITAGE_TILE_URL", ""):  # the maps' tiles (settings, checked)
            tiles = urlsplit(settings.HERITAGE_TILE_URL)
            policy["img-src"] += f" {tiles.scheme}://{tiles.netloc}"
        self.header = _header(policy)
        self.relaxed_header = _header({**policy, **RELAXED_STYLE})
        self.relaxed_prefixes = tuple(getattr(settings, "CSP_INLINE_STYLE_PATHS", ()))

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = self.relaxed_prefixes and request.path.startswith(self.relaxed_prefixes)
            response["Content-Security-Policy"] = self.relaxed_header if relaxed else self.header
        return response


# SQLite's words for "another connection holds the write lock": a national import holds it for
# its whole merge (minutes at national scale: docs/performance.md), longer than the 30 s busy
# timeout a request waits.
BUSY_MESSAGES = ("database is locked", "database table is locked")
RETRY_AFTER_SECONDS = 60


class DatabaseBusyMiddleware:
    """A write that timed out waiting for the database's lock gets a 503 that says nothing was
    saved and when to try again, instead of a bare server error. Nothing is lost: the request's
    transaction never began or was rolled back, and the browser's Back button keeps the form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        if not any(words in str(exception) for words in BUSY_MESSAGES):
            return None
        message = _(
            "登记库正忙（通常是在写入一批导入数据），您的请求没有执行，什么也没有保存。请一分钟后重试。"
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = render(request, "busy.html", {"message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class NulParameterMiddleware:
    """A NUL character in the path, any query or form parameter (name or value), or a cookie,
    is a 400 for the whole site: PostgreSQL refuses NUL in text, so a NUL that reached a query
    was a server error (a photo's name in /media/, the admin's list filters, ?kind__exact=%00; a
    session cookie, which is looked up), and no field of the registry may hold one (the importer
    refuses it too). One rule here instead of one check per form or view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:  # /media/<name>, an admin object's key
            return _bad_request(request, _("网址含有空字符。"))
        cookies = ((name, [value]) for name, value in request.COOKIES.items())
        for name, values in chain(request.GET.lists(), request.POST.lists(), cookies):
            if "\x00" in name or any("\x00" in value for value in values):
                name = name.replace("\x00", "\\x00")
                message = _("参数 %(name)s 含有空字符。") % {"name": name}
                return _bad_request(request, message, name)
        return self.get_response(request)


def _bad_request(request, message: str, parameter: str | None = None):
    if request.path.startswith("/api/"):
        # The API's shape for a bad parameter (registry/api/errors.py): its name, its messages.
        body = {parameter: [message]} if parameter else {"detail": message}
        return JsonResponse(body, status=400)
    return render(request, "bad_request.html", {"message": message}, status=400)
