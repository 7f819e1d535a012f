"""GB/T 2260 is fixed by the data migration: read only."""

from django.contrib import admin

from registry.admin.base import RestrictedModelAdmin
from registry.models import Region


@admin.register(Region)
class RegionAdmin(RestrictedModelAdmin):
    list_display = ("code", "name", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("=code", "name", "name_en")
    list_select_related = ("parent",)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
