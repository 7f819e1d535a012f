"""The registrars' admin. The full surveyor/reviewer workflow (regions, review, photos, audit)
is issue 5; this is the part every record needs: browse, search, edit, never delete."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import Plaque, Record, Region, Survey


class NoDeleteMixin:
    """Records are never deleted: a designation is revoked instead."""

    def has_delete_permission(self, request, obj=None):
        return False


class PlaqueInline(NoDeleteMixin, admin.TabularInline):
    model = Plaque
    extra = 0
    fields = ("number", "installed_on", "removed_on")


class SurveyInline(NoDeleteMixin, admin.TabularInline):
    model = Survey
    fk_name = "building"
    extra = 0
    fields = ("surveyed_on", "occupancy", "condition", "use", "surveyor", "state")
    readonly_fields = ("state",)
    ordering = ("-surveyed_on",)


@admin.register(Record)
class RecordAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "level", "region", "designated_on", "revoked_on")
    list_filter = ("kind", "level")
    list_select_related = ("region",)
    search_fields = ("=code", "name")
    raw_id_fields = ("parent", "region")
    show_full_result_count = False  # no second COUNT(*) over a million rows per search
    fieldsets = (
        (None, {"fields": ("code", "kind", "name", "name_en", "level", "region", "parent")}),
        (_("认定"), {"fields": ("designated_on", "revoked_on")}),
        (_("位置"), {"fields": ("address", "lat", "lon")}),
    )

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return [PlaqueInline, SurveyInline] if obj.kind == "building" else [PlaqueInline]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """GB/T 2260 is fixed by the data migration: read only."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("=code", "name")
    list_select_related = ("parent",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
