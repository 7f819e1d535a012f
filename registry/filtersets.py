"""The one FilterSet of the catalog: the REST API (/api/v1/records/), the search page (/) and
their downloads use it.

Every filter is SQL: status from the designation dates, "plaqued" an Exists over the plaques
hanging, "occupancy" a Subquery of the latest approved survey, "archived" the archive's day;
each as of `as_of` (default today), read from the history with indicators.md's definitions
(registry/models/spans.py), so that a report's figure as of any day has a catalog link that
counts the same records. `q` goes through the search index (registry/search/;
registry/selectors/records.py).
"""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import Kind, Level, Status
from registry.forms.indicators import IsoDateField
from registry.models import Record
from registry.regionscope import REGION_PREFIX_RE, is_known_scope, prefix_q, region_q
from registry.search import keys as search_keys
from registry.selectors import records as selectors
from registry.zones import bbox

OCCUPANCY_CHOICES = [*selectors.OCCUPANCY_CHOICES]
# Filters a search asks of the index (tokens every record's keys hold), not of the records.
FOLDED = ("kind", "level", "region")
# `name` is the pinyin order (registry/search/keys.py sort_key, on the search row, indexed),
# not the code points of the characters; the key ends with the code: no ties.
NAME_ORDER = "search_doc__sort_key"
ORDERING = (("code", "code"), (NAME_ORDER, "name"), ("designated_on", "designated_on"))


class CatalogForm(forms.Form):
    # A NUL in any parameter never gets here: registry.middleware.NulParameterMiddleware.

    def clean_region(self) -> str:
        value = self.cleaned_data.get("region")
        if value and not is_known_scope(value):
            raise forms.ValidationError(
                _("未知的行政区划“%(value)s”：应为六位代码，且其中有已知的区划。"),
                params={"value": value},
            )
        return value

    def clean_region_prefix(self) -> str:
        value = self.cleaned_data.get("region_prefix")
        if value and not REGION_PREFIX_RE.fullmatch(value):
            raise forms.ValidationError(
                _("行政区划代码前缀“%(value)s”应为 2、4 或 6 位数字。"), params={"value": value}
            )
        return value

    def clean_bbox(self) -> bbox.Box | None:
        value = self.cleaned_data.get("bbox")
        if not value:
            return None
        if hasattr(self.data, "getlist") and len(self.data.getlist("bbox")) > 1:
            # One area: two boxes would silently be the last one (the protection check refuses
            # a repeated parameter too).
            raise forms.ValidationError(_("地图范围只能给出一个。"))
        try:
            return bbox.parse(value)
        except bbox.BoxError as error:
            raise forms.ValidationError(
                _("地图范围“%(value)s”：%(reason)s"), params={"value": value, "reason": error}
            ) from None


class IsoDateFilter(django_filters.DateFilter):
    field_class = IsoDateField


class RecordFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("搜索"),
        method="filter_q",
        max_length=search_keys.MAX_QUERY_LENGTH,
        help_text=_("名称的任意片段、编号、全拼或拼音首字母，如 宗祠、zongci、zszc"),
    )
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=Kind.choices)
    level = django_filters.ChoiceFilter(label=_("保护级别"), choices=Level.choices)
    region = django_filters.CharFilter(
        label=_("行政区划"),
        method="filter_region",
        max_length=6,
        help_text=_("六位 GB/T 2260 代码：140000 为全省，140700 为全市，140728 为一县"),
    )
    # The report's grouping key (indicators.md) where it is not a scope: a record whose region
    # is a prefecture's own code (140700) is in its prefecture's row "by county", which the
    # region filter 140700 (all of Jinzhong) would not single out; 140700 exactly is "1407..".
    region_prefix = django_filters.CharFilter(
        label=_("行政区划代码前缀"),
        method="filter_region_prefix",
        max_length=6,
        help_text=_("GB/T 2260 代码的前 2、4 或 6 位，如 1407 为代码以 1407 开头的对象"),
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Status.choices, method="filter_status"
    )
    plaqued = django_filters.BooleanFilter(
        label=_("挂牌"), method="filter_plaqued", widget=forms.NullBooleanSelect
    )
    occupancy = django_filters.ChoiceFilter(
        label=_("使用状况"), choices=OCCUPANCY_CHOICES, method="filter_occupancy"
    )
    archived = django_filters.BooleanFilter(
        label=_("已测绘建档"), method="filter_archived", widget=forms.NullBooleanSelect
    )
    # The day the status, plaqued, occupancy and archived filters (and the state shown) are
    # evaluated on; the report's links carry its day (registry/views/report_links.py).
    as_of = IsoDateFilter(
        label=_("统计日期"),
        method="filter_as_of",
        input_formats=["%Y-%m-%d"],
        help_text=_("YYYY-MM-DD：状态、挂牌、使用状况和测绘建档按该日判断（默认今日）"),
    )
    parent = django_filters.CharFilter(
        label=_("所属"), field_name="parent__code", max_length=40, help_text=_("上级对象的编号")
    )
    # The area filter (protection.md): the point in the box or a zone meeting it
    # (registry/zones/bbox.py).
    bbox = django_filters.CharFilter(
        label=_("地图范围"),
        method="filter_bbox",
        max_length=bbox.MAX_LENGTH,
        help_text=_("最小经度,最小纬度,最大经度,最大纬度（WGS 84），如 112.0,37.0,112.5,37.5"),
    )
    ordering = django_filters.OrderingFilter(
        label=_("排序"),
        fields=ORDERING,
        field_labels={"code": _("编号"), NAME_ORDER: _("名称"), "designated_on": _("认定公布日期")},
    )

    class Meta:
        model = Record
        fields = [
            "q",
            "kind",
            "level",
            "region",
            "region_prefix",
            "status",
            "plaqued",
            "occupancy",
            "archived",
            "as_of",
            "parent",
            "bbox",
        ]
        form = CatalogForm

    def filter_q(self, queryset, name, value):
        """The search, with the kind, level and region filters given beside it asked of the
        index too (search_keys.filter_tokens); filter_queryset skips those filters then."""
        data = self.form.cleaned_data
        tokens = search_keys.filter_tokens(kind=data.get("kind"), level=data.get("level"))
        if data.get("region"):
            tokens.append(search_keys.scope_token(data["region"]))
        return selectors.search(queryset, value, tuple(tokens))

    def filter_region(self, queryset, name, value):
        return queryset.filter(region_q(value))

    def filter_region_prefix(self, queryset, name, value):
        return queryset.filter(prefix_q(value))

    @property
    def day(self):
        """The day the filters say: `as_of`, or today (after is_valid())."""
        return self.form.cleaned_data.get("as_of") or timezone.localdate()

    def filter_bbox(self, queryset, name, value):
        return bbox.in_box(queryset, value)

    def filter_as_of(self, queryset, name, value):
        return queryset  # not a condition: the day the others are evaluated on (self.day)

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value, self.day)

    def filter_plaqued(self, queryset, name, value):
        return selectors.filter_plaqued(queryset, value, self.day)

    def filter_occupancy(self, queryset, name, value):
        return selectors.filter_occupancy(queryset, value, self.day)

    def filter_archived(self, queryset, name, value):
        return selectors.filter_archived(queryset, value, self.day)

    def filter_queryset(self, queryset):
        """As django-filter does, but with a search the kind, level and region filters are
        left to filter_q, which asks them of the search index: counted and paged on the index,
        not by reading every match. The other filters are conditions as usual."""
        data = self.form.cleaned_data
        searching = search_keys.query_key(data.get("q") or "") is not None
        for name, value in data.items():
            if not (searching and name in FOLDED):
                queryset = self.filters[name].filter(queryset, value)
        order = [str(o) for o in queryset.query.order_by]
        if order and order[-1].lstrip("-") not in ("code", NAME_ORDER):
            queryset = queryset.order_by(*order, "code")  # ties in a stable order: pages hold
        if order and order[-1].lstrip("-") == NAME_ORDER:
            queryset = selectors.with_search_doc(queryset)
        return selectors.plan_search(queryset)
