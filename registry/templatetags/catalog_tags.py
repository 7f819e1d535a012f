"""Labels for people of the values the catalog pages show."""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _

from registry.choices import Condition, Occupancy, Status
from registry.selectors.records import OCCUPANCY_CHOICES

register = template.Library()
# Province lines and prefecture lines, labels (static/vendor/china-outlines/README.md).
OUTLINES_FILE = "vendor/china-outlines/outlines.json"
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


@register.simple_tag
def basemap_attributes():
    """The data attributes static/js/catalog-map.js draws the base map from: the shipped
    outlines (fetched when a map is drawn), or the deployment's tiles and their credit."""
    if settings.HERITAGE_TILE_URL:
        return format_html(
            'data-tile-url="{}" data-tile-attribution="{}"',
            settings.HERITAGE_TILE_URL,
            settings.HERITAGE_TILE_ATTRIBUTION,
        )
    return format_html(
        'data-outlines-url="{}" data-schematic="{}"',
        static(OUTLINES_FILE),
        _("示意图，非标准地图"),
    )


@register.simple_tag
def basemap_caption():
    """Under a map: what its base map is (the tile service credits itself on the map)."""
    if settings.HERITAGE_TILE_URL:
        return ""
    return _(
        "底图为示意图，非标准地图：省界据 Natural Earth，地级界线按驻地推算；不加载在线地图服务。"
    )
