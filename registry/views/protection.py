"""/protection/: "is this place protected?" (docs/spec/protection.md) for people.

The answer is rendered here for the GET parameters (lat, lon, as_of: the API's, validated by the
same form), so that it works without JavaScript, can be linked and printed. The map
(static/js/protection.js) draws the zones found, from GeoJSON in a json_script, and a click on
it asks this page again for the point clicked. One query.
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import Kind, Level, Status
from registry.forms.protection import ProtectionParamsForm
from registry.public_url import public_url
from registry.zones.protection import protection_check

ZONE_LABELS = {"protection": _("保护范围"), "control": _("建设控制地带")}


def protection_page(request):
    # Only a point makes a question: a link that sets just the day opens the empty form.
    asked = "lat" in request.GET or "lon" in request.GET
    form = ProtectionParamsForm(
        request.GET if asked else None, initial={"as_of": request.GET.get("as_of", "")}
    )
    context = {
        "form": form,
        "answered": False,
        "today": timezone.localdate(),
        "zone_labels": ZONE_LABELS,
    }
    if not asked:
        return render(request, "protection/check.html", context)
    if not form.is_valid():
        return render(request, "protection/check.html", context, status=400)
    params = form.cleaned_data
    found = protection_check(**params, geometry=True)
    context.update(
        params,
        answered=True,
        results=[_row(p) for p in found],
        shapes=[
            {"code": p.code, "name": p.name, "zone": p.zone, "geometry": p.geometry} for p in found
        ],  # fmt: skip
        page_url=_link(params),
    )
    return render(request, "protection/check.html", context)


def _link(params: dict) -> str:
    """The answer's public address with its day written out: printed, it must give the same
    answer later, not the answer as of the day it is opened."""
    query = urlencode(
        {"lat": repr(params["lat"]), "lon": repr(params["lon"]), "as_of": params["as_of"]}
    )
    return public_url(f"{reverse('protection')}?{query}")


def _row(found) -> dict:
    return {
        "code": found.code,
        "name": found.name,
        "kind": Kind(found.kind).label,
        "level": Level(found.level).label,
        "status": found.status,
        "status_label": Status(found.status).label,
        "zone": found.zone,
        "zone_label": ZONE_LABELS[found.zone],
    }
