"""Users with the regions they work in (superusers assign them)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from registry.models import RegionAssignment

User = get_user_model()


class RegionAssignmentInline(admin.TabularInline):
    model = RegionAssignment
    extra = 1
    raw_id_fields = ("region",)


admin.site.unregister(User)


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    inlines = [RegionAssignmentInline]
