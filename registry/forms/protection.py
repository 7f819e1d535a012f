"""The parameters of the protection check (docs/spec/protection.md), validated once for the
page (registry/views/protection.py) and the API (registry/api/protection.py)."""

import math
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.forms.indicators import IsoDateField

# Plain decimal degrees, an exponent allowed (a client's float may print as 1e-05); no NaN, no
# infinity, no underscores or inner spaces (which Python's float() would take).
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
MAX_NUMBER_LENGTH = 40


class DegreesField(forms.Field):
    """A finite number of degrees in [-limit, limit]."""

    def __init__(self, *, limit: float, invalid, **kwargs):
        super().__init__(**kwargs)
        self.limit = limit
        self.error_messages["invalid"] = invalid

    def to_python(self, value):
        value = value.strip() if isinstance(value, str) else value
        if value in self.empty_values:
            return None
        if len(value) > MAX_NUMBER_LENGTH or not NUMBER.fullmatch(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        number = float(value)
        if not (math.isfinite(number) and -self.limit <= number <= self.limit):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number + 0.0  # -0.0 as 0.0


class ProtectionParamsForm(forms.Form):
    """lat and lon required, as_of YYYY-MM-DD (default today); each given at most once."""

    lat = DegreesField(
        label=_("纬度"),
        limit=90,
        invalid=_("纬度应为 -90 到 90 之间的十进制度数，如 37.2017。"),
        error_messages={"required": _("请填写纬度（-90 到 90 之间的十进制度数）。")},
    )
    lon = DegreesField(
        label=_("经度"),
        limit=180,
        invalid=_("经度应为 -180 到 180 之间的十进制度数，如 112.1789。"),
        error_messages={"required": _("请填写经度（-180 到 180 之间的十进制度数）。")},
    )
    as_of = IsoDateField(
        label=_("依据日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("日期应为 YYYY-MM-DD 格式的有效日期。")},
    )

    def clean_as_of(self):
        return self.cleaned_data["as_of"] or timezone.localdate()

    def clean(self):
        # A query string's last value would win silently: refuse rather than guess.
        for name in self.fields:
            if hasattr(self.data, "getlist") and len(self.data.getlist(name)) > 1:
                self.add_error(name, _("此参数只能给出一次。"))
        return self.cleaned_data
