"""GET /api/v1/regions/?parent=140000: the GB/T 2260 divisions under one region (no parent:
the provinces), for clients that build region pickers. Read only and public, like the catalog.

A region's children are at most a few hundred (a province's counties and prefectures), so the
list is not paged: one query, one index range on the parent.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from registry.models import Region
from registry.regionscope import REGION_CODE_RE


class RegionListSerializer(serializers.ModelSerializer):
    level = serializers.CharField(help_text="province / prefecture / county")
    parent = serializers.CharField(
        source="parent_id", allow_null=True, help_text="the parent's code; null for a province"
    )

    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "level", "parent"]


class RegionParentForm(forms.Form):
    def clean_parent(self) -> str:
        value = self.cleaned_data.get("parent")
        if value and not (
            REGION_CODE_RE.fullmatch(value) and Region.objects.filter(code=value).exists()
        ):
            raise forms.ValidationError(
                _("未知的行政区划“%(value)s”：应为已知区划的六位代码。"), params={"value": value}
            )
        return value


class RegionFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(
        field_name="parent_id",
        max_length=6,
        label=_("上级"),
        help_text=_("上级区划的六位代码，如 140000；不填为各省级区划"),
    )

    class Meta:
        model = Region
        fields = ["parent"]
        form = RegionParentForm

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("parent"):
            return queryset.filter(parent__isnull=True)  # no parent given: the provinces
        return super().filter_queryset(queryset)


@extend_schema_view(
    list=extend_schema(summary="The regions under a region (no parent: the provinces)"),
    retrieve=extend_schema(summary="One region by its GB/T 2260 code"),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionListSerializer
    filterset_class = RegionFilterSet
    pagination_class = None  # a few hundred at most: see the module doc
    lookup_field = "code"
    lookup_value_regex = "[0-9]{6}"

    def get_queryset(self):
        return Region.objects.order_by("code")

    def filter_queryset(self, queryset):
        # One region by its code is found wherever it lies: the parent filter is the list's.
        return super().filter_queryset(queryset) if self.action == "list" else queryset
