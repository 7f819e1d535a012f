"""/ (search the catalog), /records/<code>/ (a record's page) and the search map's data.

The pages filter with the API's FilterSet (registry/filtersets.py) and read through
registry/selectors/records.py; a fixed number of queries per page, whatever the data.
"""

import datetime

from django.core.paginator import Paginator
from django.db.models import Avg, Count, F
from django.db.models.functions import Floor
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from registry import record_downloads
from registry.choices import KINDS_WITH_ARCHIVE, Kind, Level, Occupancy, Status
from registry.filtersets import RecordFilterSet
from registry.models import Record, Region
from registry.models.regions import region_label
from registry.selectors import records as selectors
from registry.throttling import download_allowed
from registry.zones import bbox, outlines

PAGE_SIZE = 20
# Counting every facet reads every matching record (and its plaques and surveys): beyond this
# many results the page leaves the counts out rather than keep a visitor waiting.
FACET_MAX = 50_000
# Up to this many results the map gets every point (clustered in the browser); beyond, the
# database groups them into cells of CELL_DEGREES and the map draws one bubble a cell.
POINTS_MAX = 5_000
CELL_DEGREES = 1.0
# The search map's zone outlines (map_zones): asked for the map's view only when zoomed in
# (static/js/catalog-map.js asks at zoom 10 and more), so a view wider than this is refused,
# and at most this many records (two zones each) answer: two bounded queries and answer,
# whatever the registry holds. Beyond it the map says some outlines are left out.
ZONES_VIEW_DEGREES = 5.0
ZONES_RECORDS_MAX = 250
# ...and at most about this much geometry (WKB bytes, 16 a position; one record always fits).
ZONES_WKB_MAX = 1_000_000


def _filterset(request) -> RecordFilterSet:
    return RecordFilterSet(request.GET, queryset=selectors.catalog().order_by("code"))


def _query(request, **changes) -> str:
    """This page's query string with `changes` (None removes a key); the page number reset."""
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    return params.urlencode()


def search_page(request):
    filterset = _filterset(request)
    provinces = [
        (code, region_label(name, name_en))
        for code, name, name_en in Region.objects.filter(level="province").values_list(
            "code", "name", "name_en"
        )
    ]
    context = {"form": filterset.form, "provinces": provinces}
    if not filterset.is_valid():
        return render(request, "catalog/search.html", context, status=400)
    queryset = filterset.qs
    as_of = filterset.day  # the day the filters and the records' state are read on
    paginator = Paginator(queryset.values_list("pk", flat=True), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    total = paginator.count
    counts = selectors.facet_counts(queryset, as_of) if total <= FACET_MAX else None
    facets = _facets(request, counts, provinces)
    region = filterset.form.cleaned_data.get("region")
    region_text = selectors.region_label(region) if region else ""
    if region:
        # Under the province facet: the way down from it.
        at = 1 + next(i for i, f in enumerate(facets) if f["name"] == "province")
        facets.insert(at, _region_facet(request, queryset, region, region_text, counts is not None))
    context.update(
        records=selectors.page_records(list(page.object_list), as_of),
        page=page,
        total=total,
        facets=facets,
        facet_counts_shown=counts is not None,
        points_url=f"{reverse('catalog-points')}?{_query(request)}",
        zones_url=f"{reverse('catalog-zones')}?{_query(request)}",
        box=filterset.form.cleaned_data.get("bbox"),
        page_query=_query(request),
        downloads=[
            (fmt, f"{reverse('catalog-download', args=[fmt])}?{_query(request, ordering=None)}")
            for fmt in record_downloads.FORMATS
        ],
        active=_active(request, filterset, region_text),
        ordering_options=[
            ("", _("编号")),
            ("name", _("名称")),
            ("-designated_on", _("认定公布日期（新→旧）")),
            ("designated_on", _("认定公布日期（旧→新）")),
        ],
    )
    return render(request, "catalog/search.html", context)


def _facets(request, counts: dict | None, provinces: list) -> list[dict]:
    """Each filter of the page with its options: label, count (None when not counted), the
    link that sets it, whether it is set."""
    choices = {
        "kind": Kind.choices,
        "level": Level.choices,
        "province": provinces,
        "status": Status.choices,
        "plaqued": [(True, _("已挂牌")), (False, _("未挂牌"))],
        "occupancy": selectors.OCCUPANCY_CHOICES,
    }
    # A facet is titled as its filter is labelled; the province is the region filter's first
    # level, so it has a title of its own.
    titles = {name: f.label for name, f in RecordFilterSet.base_filters.items()}
    titles["province"] = _("省份")
    facets = []
    for name in selectors.FACETS:
        param = "region" if name == "province" else name
        current = request.GET.get(param, "")
        options = []
        for value, label in choices[name]:
            text = ("true" if value else "false") if name == "plaqued" else str(value)
            count = counts[name].get(value, 0) if counts is not None else None
            if counts is not None and not count and current != text:
                continue  # an option that would find nothing is not offered
            options.append(
                {
                    "label": label,
                    "count": count,
                    "url": "?" + _query(request, **{param: text}),
                    "selected": current == text,
                }
            )
        facets.append({"name": name, "title": titles[name], "options": options})
    return facets


def _region_facet(request, queryset, region: str, title: str, counted: bool) -> dict:
    """The regions under the chosen one (a province's prefectures, a prefecture's counties),
    by name, with their counts when the page counts (two queries: the regions, one GROUP BY)."""
    children = selectors.child_regions(region)
    counts = selectors.child_region_counts(queryset, children) if counted and children else None
    options = []
    for code, name in children:
        count = counts.get(code, 0) if counts is not None else None
        if counts is not None and not count:
            continue  # as in the other facets: an option that would find nothing is left out
        url = "?" + _query(request, region=code)
        options.append({"label": name, "count": count, "url": url, "selected": False})
    return {"name": "subregion", "title": title, "options": options}


def _active(request, filterset, region_text: str) -> list[dict]:
    """The filters in force, each with the link that lifts it."""
    data = filterset.form.cleaned_data
    shown = []
    for name, field in filterset.form.fields.items():
        value = data.get(name)
        if name in ("q", "ordering") or value in (None, "", []):
            continue
        if name == "region":
            text = region_text  # names, never the code
        elif isinstance(value, bbox.Box):
            text = str(value)
        elif isinstance(value, datetime.date):
            text = value.isoformat()  # as the report writes its day
        elif isinstance(value, bool):
            text = _("已挂牌") if value else _("未挂牌")
        elif hasattr(field, "choices"):
            text = {str(k): v for k, v in field.choices}.get(value, value)
        else:
            text = value
        shown.append(
            {"label": field.label, "value": text, "remove": "?" + _query(request, **{name: None})}
        )
    return shown


def download(request, fmt: str):
    """The search's results as a file (registry/record_downloads.py); the page's throttle
    counts it as one request, and the downloads' own allowance too (registry/throttling.py)."""
    refused = download_allowed(request)
    if refused is not None:
        return refused
    filterset = _filterset(request)
    if not filterset.is_valid():
        errors = filterset.form.errors.items()
        message = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in errors)
        return render(request, "bad_request.html", {"message": message}, status=400)
    return record_downloads.response(filterset.qs, filterset.day, fmt)


def map_points(request):
    """The search's results on the map: every point, or cells of points when there are many."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors}, status=400)
    located = filterset.qs.filter(lat__isnull=False).order_by()
    total = located.count()
    if total <= POINTS_MAX:
        rows = located.order_by("code").values_list("code", "name", "kind", "lat", "lon")
        return JsonResponse({"total": total, "points": [list(r) for r in rows], "cells": []})
    cells = (
        located.values(
            gy=Floor(F("lat") / CELL_DEGREES),
            gx=Floor(F("lon") / CELL_DEGREES),
        )
        .annotate(n=Count("pk"), lat=Avg("lat"), lon=Avg("lon"))
        .values_list("lat", "lon", "n")
    )
    return JsonResponse({"total": total, "points": [], "cells": [list(c) for c in cells]})


def map_zones(request):
    """The zone outlines of the search's records in the map's view (`view`, a box as bbox
    writes it): [{code, name, zone, geometry}], at most ZONES_RECORDS_MAX records' worth."""
    filterset = _filterset(request)
    if not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors}, status=400)
    try:
        view = bbox.parse(request.GET.get("view", ""))
    except bbox.BoxError as error:
        return JsonResponse({"errors": {"view": [str(error)]}}, status=400)
    if max(view.maxlon - view.minlon, view.maxlat - view.minlat) > ZONES_VIEW_DEGREES:
        message = _("地图范围过大：放大后显示保护范围")
        return JsonResponse({"errors": {"view": [message]}}, status=400)
    # First the sizes, then the zones of the records that fit: a count of records alone would
    # let 250 zones of 100,000 positions each through (gigabytes of JSON).
    sizes = list(
        bbox.zones_in_box(filterset.qs, view)
        .order_by("code")
        .annotate(**outlines.wkb_sizes())
        .values_list("pk", "protection_bytes", "control_bytes")[: ZONES_RECORDS_MAX + 1]
    )
    chosen, weight = [], 0
    for pk, *both in sizes[:ZONES_RECORDS_MAX]:
        weight += sum(size or 0 for size in both)
        if weight > ZONES_WKB_MAX and chosen:
            break
        chosen.append(pk)
    rows = (
        Record.objects.filter(pk__in=chosen)
        .order_by("code")
        .annotate(**outlines.wkb_annotations())
        .values("code", "name", "protection_wkb", "control_wkb")
    )
    zones = [
        {"code": row["code"], "name": row["name"], **shape}
        for row in rows
        for shape in outlines.outlines(row)
    ]
    return JsonResponse({"zones": zones, "truncated": len(chosen) < len(sizes)})


def record_page(request, code: str):
    today = timezone.localdate()
    record = selectors.record_detail(code, today)
    if record is None:
        # A code typed or printed in the wrong case: the record's own address, if it is one.
        canonical = selectors.canonical_code(code)
        if canonical is not None and canonical != code:
            return HttpResponsePermanentRedirect(reverse("catalog-record", args=[canonical]))
        raise Http404(_("没有编号为 %(code)s 的保护对象。") % {"code": code})
    context = {
        "record": record,
        "children": selectors.children_preview(record) if record.children_count else [],
        "status_label": Status(record.status).label,
        "occupancy_label": dict(selectors.OCCUPANCY_CHOICES).get(record.occupancy),
        "occupancies": dict(Occupancy.choices),
        "entry": list_entry(record, get_language()),
        "zones": outlines.outlines(record),
    }
    return render(request, "catalog/record.html", context)


def list_entry(record, language: str) -> dict:
    """What templates/catalog/_record_entry.html shows of the record's list entry: the
    description in the page's language where there is one (else the Chinese, marked as such)
    as paragraphs (the format separates them by \n), and whether the kind has an archive."""
    english = language.startswith("en")
    text, lang = record.description, "zh-Hans"
    if english and record.description_en:
        text, lang = record.description_en, "en"
    paragraphs = [p.strip() for p in (text or "").split("\n")]
    designation = (
        record.designation_batch, record.designation_document, record.designation_authority
    )  # fmt: skip
    return {
        "paragraphs": [p for p in paragraphs if p],
        "lang": lang,
        "untranslated": english and lang != "en",
        "designated": any(v is not None for v in designation),
        "has_archive": record.kind in KINDS_WITH_ARCHIVE,
    }
