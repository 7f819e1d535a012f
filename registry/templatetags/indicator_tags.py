"""Display helpers for indicator figures (the figures themselves are never rounded)."""

from django import template
from django.utils.html import format_html

from registry.rates import percent_text
from registry.views.report_links import figure_count, figure_url

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.98645 → "98.64%"; a null rate → "—": rounded down, by the one rule of registry.rates."""
    return percent_text(value)


@register.simple_tag(takes_context=True)
def figure(context, row: dict, name: str) -> str:
    """A report figure linked to the catalog filtered to its records (registry/views/
    report_links.py): `row` a report row (with its key) or the total (without). The page's
    params say the scope, grouping and day."""
    count = figure_count(row, name)
    if count is None:
        return ""
    url = figure_url(context["params"], name, row.get("key"))
    return format_html('<a class="figure" href="{}" data-figure="{}">{}</a>', url, name, count)
