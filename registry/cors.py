"""CORS for the read-only public API: a page on any origin may GET /api/v1/ (a map of a
county's heritage on a county's own site, a picker built from /api/v1/regions/).

`Access-Control-Allow-Origin: *` and never credentials: browsers then send no cookies with
such requests and give the page no answer that a session could have shaped. Only GET, HEAD and
OPTIONS and only under /api/v1/: the admin, the login and the language switch (session and
CSRF endpoints) never answer another origin. A dozen lines rather than django-cors-headers:
one fixed rule, nothing to configure, no settings a later change could widen by mistake.
"""

API_PREFIX = "/api/v1/"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOW_METHODS = "GET, HEAD, OPTIONS"
# What a script may read beyond the simple headers: how long to wait after a 429.
EXPOSE = "Retry-After"
PREFLIGHT_MAX_AGE = "86400"


class ReadOnlyApiCorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in SAFE and request.path.startswith(API_PREFIX):
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = EXPOSE
            if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
                # A preflight (a client sending Accept-Language, say): GET is all it may ask.
                response["Access-Control-Allow-Methods"] = ALLOW_METHODS
                response["Access-Control-Allow-Headers"] = "Accept, Accept-Language, Content-Type"
                response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response
