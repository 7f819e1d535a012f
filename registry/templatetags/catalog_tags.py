"""Labels for people of the values the catalog pages show."""

from django import template

from registry.choices import Condition, Occupancy, Status
from registry.selectors.records import OCCUPANCY_CHOICES

register = template.Library()
LABELS = {
    "status": dict(Status.choices),
    "occupancy": dict(OCCUPANCY_CHOICES),
    "condition": dict(Condition.choices),
}
assert set(dict(Occupancy.choices)) <= set(LABELS["occupancy"])


@register.filter
def label(value, family: str):
    """{{ record.status|label:"status" }} → 已认定 (or its translation)."""
    return LABELS[family].get(value, value)
