"""Display helpers for indicator figures (the figures themselves are never rounded)."""

from django import template

register = template.Library()


@register.filter
def pct(value, digits: int = 2) -> str:
    """0.98645 → "98.65%"; a null rate → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.{int(digits)}f}%"
