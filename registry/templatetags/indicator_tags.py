"""Display helpers for indicator figures (the figures themselves are never rounded)."""

from decimal import ROUND_FLOOR, Decimal

from django import template
from django.utils.html import format_html

from registry.views.report_links import figure_count, figure_url

register = template.Library()


@register.filter
def pct(value, digits: int = 2) -> str:
    """0.98645 → "98.64%"; a null rate → "—". Rounded down, never to nearest: a coverage of
    0.99996 must not read "100.00%" beside "target not met", nor a vacancy of 0.09996 "10.00%"
    beside "target met" (the targets are exactly 100 % and below 10 %)."""
    if value is None:
        return "—"
    step = Decimal(1).scaleb(-int(digits))
    shown = (Decimal(repr(value)) * 100).quantize(step, rounding=ROUND_FLOOR)
    return f"{shown}%"


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
