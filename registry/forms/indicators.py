"""The parameters of an indicator report, validated once for the page, the API and the command."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import ISO_DATE_PATTERN, Level
from registry.models import Region
from registry.regionscope import REGION_CODE_RE, region_q
from registry.selectors.indicators import GROUPINGS

ISO_DATE = re.compile(ISO_DATE_PATTERN)
GROUPING_CHOICES = [
    ("none", _("不分组")),
    ("province", _("按省")),
    ("prefecture", _("按地市")),
    ("county", _("按区县")),
    ("level", _("按保护级别")),
]
assert tuple(key for key, _label in GROUPING_CHOICES) == GROUPINGS


class IsoDateField(forms.DateField):
    """YYYY-MM-DD exactly, as indicators.md writes dates: strptime alone would also take
    "2024-1-5", and the field would strip surrounding spaces."""

    def to_python(self, value):
        if isinstance(value, str) and value and not ISO_DATE.fullmatch(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IndicatorParamsForm(forms.Form):
    """as_of, by, region and level of indicators.md; absent values take their defaults."""

    as_of = IsoDateField(
        label=_("统计日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("日期应为 YYYY-MM-DD 格式的有效日期。")},
    )
    by = forms.ChoiceField(
        label=_("分组"),
        choices=GROUPING_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": _(
                "未知的分组“%(value)s”：应为 none、province、prefecture、county 或 level。"
            )  # noqa: E501
        },
    )
    region = forms.CharField(label=_("行政区划"), required=False, max_length=6, strip=False)
    level = forms.ChoiceField(
        label=_("保护级别"),
        choices=[("", _("全部级别")), *Level.choices],
        required=False,
        error_messages={
            "invalid_choice": _(
                "未知的保护级别“%(value)s”：应为 national、provincial 或 municipal。"
            )  # noqa: E501
        },
    )

    def clean_as_of(self) -> datetime.date:
        return self.cleaned_data["as_of"] or timezone.localdate()

    def clean_by(self) -> str:
        return self.cleaned_data["by"] or "none"

    def clean_region(self) -> str | None:
        code = self.cleaned_data["region"]
        if not code:
            return None
        if not REGION_CODE_RE.fullmatch(code):
            raise forms.ValidationError(_("行政区划代码应为六位数字（GB/T 2260）。"))
        # Valid when some known division lies in it: 110100 holds 110101 though the registry
        # has no row 110100 (Beijing has no prefecture level).
        if not Region.objects.filter(region_q(code, field="code")).exists():
            raise forms.ValidationError(_("未知的行政区划代码：%(code)s。"), params={"code": code})
        return code

    def clean_level(self) -> str | None:
        return self.cleaned_data["level"] or None

    def error_text(self) -> str:
        """All errors on one line, for a terminal or a 400 body."""
        return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in self.errors.items())


class TrendParamsForm(IndicatorParamsForm):
    years = forms.IntegerField(label=_("年数"), required=False, min_value=1, max_value=50)

    def clean_years(self) -> int:
        return self.cleaned_data["years"] or 10
