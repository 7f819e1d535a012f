"""Display helpers for indicator figures (the figures themselves are never rounded)."""

from django import template

from registry.rates import percent_text

register = template.Library()


@register.filter
def pct(value) -> str:
    """0.98645 → "98.64%"; a null rate → "—": rounded down, by the one rule of registry.rates."""
    return percent_text(value)
