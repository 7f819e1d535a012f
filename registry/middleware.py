"""Content-Security-Policy on every response.

The pages load their scripts and styles from our own static files only, so a strict policy
costs nothing and turns an injected <script> or on*= handler (say, in a record's name that a
template forgot to escape) into a blocked no-op. There is deliberately no 'unsafe-inline' for
scripts anywhere. The one relaxation: Swagger UI (the API docs page) writes style attributes from
its own script, so that path also allows inline styles; its scripts stay 'self' only.
"""

from django.conf import settings

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
        self.header = _header(policy)
        self.relaxed_header = _header({**policy, **RELAXED_STYLE})
        self.relaxed_prefixes = tuple(getattr(settings, "CSP_INLINE_STYLE_PATHS", ()))

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = self.relaxed_prefixes and request.path.startswith(self.relaxed_prefixes)
            response["Content-Security-Policy"] = self.relaxed_header if relaxed else self.header
        return response
