"""Changelist filters by region and by status (derived from the designation dates)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import RegionLevel, Status
from registry.models import Region
from registry.regionscope import REGION_CODE_RE, region_q


class RegionFilter(admin.SimpleListFilter):
    """Provinces to pick from; any 6-digit code in the URL (?region=140700) scopes too."""

    title = _("行政区划")
    parameter_name = "region"
    field = "region_id"

    def lookups(self, request, model_admin):
        provinces = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")
        return [(r.code, r.label) for r in provinces]

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
