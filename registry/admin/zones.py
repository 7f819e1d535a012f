"""A record's zones in the admin: drawn on a map or typed as GeoJSON (ZoneField, ZoneWidget),
or uploaded as a file (registry.zones.upload); shown on a map that cannot be edited to those
who may only view the record (`zones_map`).

The value posted is always the GeoJSON text of the textarea: the map (static/js/zone-editor.js)
only writes into it, so the field works without scripts, and every value, drawn, typed or
uploaded, passes through the one validator (registry.zones.geometry.parse_zone), whose reason
is the field's error. Uploads win over the text: a file chosen for a zone replaces it.
"""

import json

from django import forms
from django.contrib.gis.geos import GEOSGeometry
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from registry.models import Record
from registry.templatetags.catalog_tags import basemap_attributes
from registry.zones.geometry import Zone, ZoneError, decode_geojson, parse_zone, zone_from_wkb
from registry.zones.index import ZONE_FIELDS
from registry.zones.upload import ACCEPT, read_zone_file

SCRIPTS = ["vendor/leaflet/leaflet.js", "js/catalog-map.js", "js/zone-editor.js"]
STYLES = ["vendor/leaflet/leaflet.css", "css/map.css", "registry/admin-workflow.css"]


def file_field_name(zone_field: str) -> str:
    return f"{zone_field}_file"


def as_geometry(zone: Zone) -> GEOSGeometry:
    return GEOSGeometry(memoryview(zone.wkb), srid=4326)


def geojson_text(geometry) -> str:
    """The stored geometry as GeoJSON text, its rings in RFC 7946 orientation."""
    return json.dumps(zone_from_wkb(bytes(geometry.wkb)).geojson(), separators=(",", ":"))


def _labels() -> dict:
    # The editor's buttons and hints, translated here (the script has no gettext).
    return {
        "data-draw": _("画新的多边形"),
        "data-finish": _("完成"),
        "data-cancel": _("取消"),
        "data-clear": _("清除"),
        "data-hint": _("在地图上逐点单击画出边界，单击“完成”闭合；拖动顶点可修改。"),
        "data-complex": _("带洞的多边形只能在下方的 GeoJSON 中修改。"),
        "data-vertex": static("registry/zone-vertex.svg"),
    }


class ZoneWidget(forms.Textarea):
    """The GeoJSON textarea, with the map above it (drawn by static/js/zone-editor.js)."""

    def __init__(self, attrs=None):
        super().__init__({"rows": 4, "cols": 90, "spellcheck": "false", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        labels = format_html_join(" ", '{}="{}"', _labels().items())
        return format_html(
            '<div class="zone-editor" data-input="{}" {}><div class="zone-map" {}></div>'
            '<div class="zone-tools"></div>{}</div>',
            (attrs or {}).get("id", f"id_{name}"),
            labels,
            basemap_attributes(),
            textarea,
        )

    class Media:
        css = {"all": STYLES}
        js = SCRIPTS


class ZoneField(forms.Field):
    """GeoJSON text in, a GEOSGeometry (SRID 4326, RFC 7946 orientation) or None out."""

    widget = ZoneWidget

    def to_python(self, value):
        if value is None or not str(value).strip():
            return None
        try:
            return as_geometry(parse_zone(decode_geojson(value)))
        except ZoneError as e:
            raise forms.ValidationError(e.reason, code="zone") from None

    def prepare_value(self, value):
        if isinstance(value, GEOSGeometry):
            return geojson_text(value)
        return value

    def has_changed(self, initial, data):
        if initial is not None and data == self.prepare_value(initial):
            return False  # the text as the page showed it: spares validating it again
        try:
            new = self.to_python(data)
        except forms.ValidationError:
            return True
        return _wkb(initial) != _wkb(new)


def _wkb(geometry) -> bytes | None:
    return None if geometry is None else bytes(zone_from_wkb(bytes(geometry.wkb)).wkb)


def zone_file_field() -> forms.FileField:
    return forms.FileField(
        label=_("或上传文件"),
        required=False,
        help_text=_(
            "GeoJSON、KML 或 ZIP 压缩的 Shapefile，WGS-84 或 CGCS2000 坐标；替换上方的范围。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class ZoneFormMixin(forms.ModelForm):
    """The two zones and their upload fields, for the record's form."""

    protection_zone = ZoneField(label=_("保护范围"), required=False)
    protection_zone_file = zone_file_field()
    control_zone = ZoneField(label=_("建设控制地带"), required=False)
    control_zone_file = zone_file_field()

    def clean(self):
        cleaned = super().clean()
        for name in ZONE_FIELDS:
            upload = cleaned.get(file_field_name(name))
            if not upload:
                continue
            try:
                cleaned[name] = as_geometry(read_zone_file(upload))
            except ZoneError as e:
                self.add_error(file_field_name(name), e.reason)
        return cleaned

    def uploaded_zones(self) -> set[str]:
        return {n for n in ZONE_FIELDS if self.cleaned_data.get(file_field_name(n))}


def zones_map(record) -> str:
    """The record's zones on a map nobody can edit, with their size in words."""
    data = {n: json.loads(geojson_text(getattr(record, n))) for n in ZONE_FIELDS
            if getattr(record, n) is not None}  # fmt: skip
    if not data:
        return _("未划定")
    rows = format_html_join(
        "", "<li>{}</li>", ((describe(name, getattr(record, name)),) for name in data)
    )
    return format_html(
        '<div class="zone-viewer" data-zones="{}"><div class="zone-map" {}></div></div><ul>{}</ul>',
        json.dumps(data, separators=(",", ":")),
        basemap_attributes(),
        rows,
    )


def describe(name: str, geometry) -> str:
    title = Record._meta.get_field(name).verbose_name
    if geometry is None:
        return _("%(zone)s：未划定") % {"zone": title}
    return _("%(zone)s：%(parts)s 个部分，%(vertices)s 个顶点") % {
        "zone": title,
        "parts": 1 if geometry.geom_type == "Polygon" else len(geometry),
        "vertices": geometry.num_coords,
    }
