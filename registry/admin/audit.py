"""The audit trail in the admin: read only, scoped to one's regions like everything else; each
entry also said in words, field by field (`change_lines`), a zone by its size."""

import json

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from registry.admin.base import RestrictedModelAdmin
from registry.admin.filters import RegionFilter
from registry.models import ChangeLog
from registry.zones.geometry import from_wkb
from registry.zones.index import ZONE_FIELDS


@admin.register(ChangeLog)
class ChangeLogAdmin(RestrictedModelAdmin):
    list_display = ("time", "user", "action", "object_type", "object_repr")
    list_select_related = ("user",)
    list_filter = ("action", "object_type", RegionFilter)
    search_fields = ("=object_repr", "=record_id")
    date_hierarchy = None
    fields = ("time", "user", "action", "object_type", "object_id", "object_repr",
              "record_id", "region_id", "changes", "before_pretty", "after_pretty")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in ("record_id", "object_id") or super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description=_("修改内容"))
    def changes(self, obj):
        return format_html_join("", "<div>{}</div>", ((line,) for line in change_lines(obj)))

    @admin.display(description=_("修改前"))
    def before_pretty(self, obj):
        return _pretty(obj.before)

    @admin.display(description=_("修改后"))
    def after_pretty(self, obj):
        return _pretty(obj.after)


def _pretty(value):
    if value is None:
        return "-"
    # A zone is kept whole (hex WKB, up to 3 MB): shown as its summary, not its bytes.
    shown = {k: _zone_text(v) if _is_zone(k) and v else v for k, v in value.items()}
    return format_html("<pre>{}</pre>", json.dumps(shown, ensure_ascii=False, indent=2))


def _is_zone(name: str) -> bool:
    return name in ZONE_FIELDS


def _zone_text(hex_wkb: str) -> str:
    kind = from_wkb(bytes.fromhex(hex_wkb))[0]
    return _("%(type)s，%(vertices)s 个顶点，WKB %(bytes)s 字节") % {
        "type": kind,
        "vertices": _vertices(hex_wkb),
        "bytes": len(hex_wkb) // 2,
    }


def _vertices(hex_wkb: str) -> int:
    _, polygons = from_wkb(bytes.fromhex(hex_wkb))
    return sum(len(ring) for polygon in polygons for ring in polygon)


def change_lines(entry: ChangeLog) -> list[str]:
    """The fields an entry changed, one line each: "名称：甲 → 乙"; a zone (logged whole, as
    hex WKB: registry.services.audit) as "保护范围：已修改（5 个顶点）"."""
    if not entry.before or not entry.after:
        return []
    model = apps.get_model(entry.object_type)
    lines = []
    for name, new in entry.after.items():
        old = entry.before.get(name)
        if old == new:
            continue
        try:
            label = model._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            label = name
        change = _zone_change(old, new) if _is_zone(name) else f"{_short(old)} → {_short(new)}"
        lines.append(f"{label}{_('：')}{change}")
    return lines


def _zone_change(old, new) -> str:
    if new is None:
        return str(_("已删除"))
    verb = _("已划定") if old is None else _("已修改")
    return _("%(verb)s（%(vertices)s 个顶点）") % {"verb": verb, "vertices": _vertices(new)}


def _short(value) -> str:
    text = "-" if value in (None, "") else str(value)
    return text if len(text) <= 40 else text[:39] + "…"
