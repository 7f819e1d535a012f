"""The audit trail in the admin: read only, scoped to one's regions like everything else."""

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.admin.base import RestrictedModelAdmin
from registry.admin.filters import RegionFilter
from registry.models import ChangeLog


@admin.register(ChangeLog)
class ChangeLogAdmin(RestrictedModelAdmin):
    list_display = ("time", "user", "action", "object_type", "object_repr")
    list_select_related = ("user",)
    list_filter = ("action", "object_type", RegionFilter)
    search_fields = ("=object_repr", "=record_id")
    date_hierarchy = None
    fields = ("time", "user", "action", "object_type", "object_id", "object_repr",
              "record_id", "region_id", "before_pretty", "after_pretty")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in ("record_id", "object_id") or super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description=_("修改前"))
    def before_pretty(self, obj):
        return _pretty(obj.before)

    @admin.display(description=_("修改后"))
    def after_pretty(self, obj):
        return _pretty(obj.after)


def _pretty(value):
    if value is None:
        return "-"
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2))
