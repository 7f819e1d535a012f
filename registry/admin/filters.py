"""Changelist filters by region and by status (derived from the designation dates)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import permissions
from registry.choices import RegionLevel, Status
from registry.models import Region
from registry.regionscope import REGION_CODE_RE, region_q


class RegionFilter(admin.SimpleListFilter):
    """The regions the user works in to pick from (all provinces for a superuser); any 6-digit
    code in the URL (?region=140700) scopes too, within what the user sees anyway."""

    title = _("行政区划")
    parameter_name = "region"
    field = "region_id"

    def lookups(self, request, model_admin):
        user = request.user
        if user.is_superuser:
            regions = Region.objects.filter(level=RegionLevel.PROVINCE)
        else:
            regions = Region.objects.filter(code__in=permissions.regions(user))
        return [(r.code, r.label) for r in regions.order_by("code")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and REGION_CODE_RE.fullmatch(value):
            return queryset.filter(region_q(value, field=self.field))
        return queryset


class RecordRegionFilter(RegionFilter):
    field = "record__region_id"


class BuildingRegionFilter(RegionFilter):
    field = "building__region_id"


class StatusFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "status"
    prefix = ""

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        if self.value() not in Status.values:
            return queryset
        today = timezone.localdate()
        if self.prefix:
            from registry.models import Record

            ids = Record.objects.with_status(self.value(), today).values("pk")
            return queryset.filter(**{f"{self.prefix}__in": ids})
        return queryset.with_status(self.value(), today)
