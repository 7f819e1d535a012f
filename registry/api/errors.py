"""A JSON 404 for any unknown URL under /api/ (heritage.urls.handler404).

A code that cannot be a code (`/api/v1/records/%C2%84/`) matches no route, so Django, not DRF,
answers it; an API client should still get the JSON error the schema documents, not an HTML page.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("未找到。")}, status=404)
    return page_not_found(request, exception)
