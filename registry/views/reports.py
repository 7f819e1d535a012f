"""/reports/: the public indicator report page, its downloads, drill-down and trend."""

from urllib.parse import urlencode

from django.db.models import Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry import indicator_formats as formats
from registry.choices import Level
from registry.forms.indicators import IndicatorParamsForm
from registry.models import Region
from registry.models.indicators import FIGURE_LABELS
from registry.models.regions import region_label
from registry.regionscope import prefecture_key, province_key
from registry.selectors.indicators import indicator_report, indicator_trend

TREND_YEARS = 10
DOWNLOADS = ("csv", "xlsx", "json")


def drill_grouping(region: str | None) -> str:
    """The rows of a scope are its next level down: nation → provinces → prefectures →
    counties; a county has no rows."""
    if region is None:
        return "province"
    if region.endswith("0000"):
        return "prefecture"
    if region.endswith("00"):
        return "county"
    return "none"


def _params(request) -> tuple[IndicatorParamsForm, dict | None]:
    form = IndicatorParamsForm(request.GET)
    if not form.is_valid():
        return form, None
    params = dict(form.cleaned_data)
    if not request.GET.get("by"):
        params["by"] = drill_grouping(params["region"])
    return form, params


def _query(params: dict, **changes) -> str:
    """The query string of this page for `params` with `changes`; defaults left out."""
    values = {**params, **changes}
    pairs = {
        "as_of": values["as_of"].isoformat(),
        "region": values["region"] or "",
        "level": values["level"] or "",
        "by": values["by"] if values["by"] != drill_grouping(values["region"]) else "",
    }
    return urlencode({k: v for k, v in pairs.items() if v})


def _chain(region: str | None) -> list[str]:
    """The scopes from the province down to `region`, for the breadcrumb."""
    if region is None:
        return []
    codes = [province_key(region)]
    if not region.endswith("0000"):
        codes.append(prefecture_key(region))
    if not region.endswith("00"):
        codes.append(region)
    return codes


def report_page(request):
    form, params = _params(request)
    if params is None:
        return render(request, "reports/report.html", {"form": form}, status=400)
    report = indicator_report(**params, localized=True)
    region = params["region"]
    chain = _chain(region)
    names = {
        code: region_label(name, name_en)
        for code, name, name_en in Region.objects.filter(
            Q(level="province") | Q(code__in=chain)
        ).values_list("code", "name", "name_en")
    }
    for row in report["rows"]:
        if params["by"] in ("province", "prefecture", "county") and row["key"] != region:
            row["url"] = "?" + _query(params, region=row["key"], by=drill_grouping(row["key"]))
    context = {
        "form": form,
        "params": params,
        "report": report,
        "national": indicator_report(as_of=params["as_of"], level=params["level"])["total"]
        if region
        else None,
        "trend": indicator_trend(
            as_of=params["as_of"], years=TREND_YEARS, region=region, level=params["level"]
        ),
        "crumbs": [
            {"label": _("全国"), "url": "?" + _query(params, region=None, by="province")},
            *(
                {
                    "label": names.get(code) or names.get(province_key(code), code),
                    "url": "?" + _query(params, region=code, by=drill_grouping(code)),
                }
                for code in chain
            ),
        ],
        "region_options": _region_options(region, names),
        "scope_name": _scope_name(region, names),
        "level_label": Level(params["level"]).label if params["level"] else "",
        "downloads": [
            (fmt, f"{reverse('reports-download', args=[fmt])}?{_query(params)}")
            for fmt in DOWNLOADS
        ],
        "chart_rows": [
            {
                k: row[k]
                for k in (
                    "key",
                    "label",
                    "plaque_coverage",
                    "vacancy_rate",
                    "buildings_occupancy_unknown",
                    "url",
                )
                if k in row
            }
            for row in report["rows"]
        ],  # fmt: skip
        "figure_labels": FIGURE_LABELS,
        "by_level_url": "?" + _query(params, by="level"),
        "by_region_url": "?" + _query(params, by=drill_grouping(region)),
    }
    return render(request, "reports/report.html", context)


def _region_options(region: str | None, names: dict) -> list[tuple[str, str, bool]]:
    """(code, name, selected): the provinces, and the current scope if it lies below one."""
    options = [(c, n, c == region) for c, n in sorted(names.items()) if c.endswith("0000")]
    if region and not region.endswith("0000"):
        shown = _("%(name)s（%(code)s）") % {"name": _scope_name(region, names), "code": region}
        options.append((region, shown, True))
    return options


def _scope_name(region: str | None, names: dict) -> str:
    if region is None:
        return _("全国")
    return names.get(region) or names.get(province_key(region), region)


def report_download(request, fmt: str):
    form, params = _params(request)
    if params is None:
        return HttpResponseBadRequest(form.error_text(), content_type="text/plain; charset=utf-8")
    # The spec's JSON labels rows with the region's name; the CSV and xlsx are for reading.
    report = indicator_report(**params, localized=fmt != "json")
    data = {
        "csv": formats.to_csv,
        "xlsx": formats.to_xlsx,
        "json": lambda r: formats.to_json(r).encode("utf-8"),
    }[fmt](report)
    response = HttpResponse(data, content_type=formats.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{formats.filename(report, fmt)}"'
    return response
