"""GET /api/v1/records/ (search and filters) and /api/v1/records/{code}/: the public catalog.

Read only, public, throttled for anonymous clients (settings.REST_FRAMEWORK). The serializers
only name fields: what a record "is" today (status, plaqued, occupancy) is computed in SQL by
registry/selectors/records.py, and the filters live in registry/filtersets.py, shared with the
search page.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from registry import record_downloads
from registry.choices import RECORD_CODE_PATTERN
from registry.filtersets import RecordFilterSet
from registry.models import Photo, Plaque, Record, RecordDocument, Region, Survey
from registry.public_url import public_url
from registry.selectors import records as selectors
from registry.throttling import AnonRateThrottle, DownloadRateThrottle

CODE_REGEX = RECORD_CODE_PATTERN


class CatalogFilterBackend(DjangoFilterBackend):
    """django-filter's backend that also tells the view the day its filters were read on
    (`as_of`, default today): the records' state is then shown as of that day."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise filter_utils.translate_validation(filterset.errors)
        view.filter_day = filterset.day
        return filterset.qs


class DownloadRenderer(renderers.BaseRenderer):
    """Chooses the download's format (`?format=` or Accept, as DRF negotiates); the body is
    streamed by registry/record_downloads.py, never rendered from data."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("downloads stream their body")  # pragma: no cover


class CSVRenderer(DownloadRenderer):
    media_type, format = "text/csv", "csv"


class XLSXRenderer(DownloadRenderer):
    media_type = record_downloads.CONTENT_TYPES["xlsx"]
    format = "xlsx"


class GeoJSONRenderer(DownloadRenderer):
    media_type, format = "application/geo+json", "geojson"


GEOJSON_SCHEMA = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "geometry": {
                        "type": "object",
                        "description": (
                            "a Point: coordinates [lon, lat], or a zone: a Polygon or "
                            "MultiPolygon, exterior rings counter-clockwise (RFC 7946)"
                        ),
                    },
                    "properties": {
                        "type": "object",
                        "description": (
                            "a Point's: code, name, kind, level, region (raw values); a zone's: "
                            'code, name, kind, level, zone ("protection" or "control")'
                        ),
                    },
                },
            },
        },
    },
}


class PublicHyperlinkedIdentityField(serializers.HyperlinkedIdentityField):
    """The record's API address on the public host (registry/public_url.py), not the host the
    request came in on: clients store these links."""

    def get_url(self, obj, view_name, request, format):
        path = super().get_url(obj, view_name, None, format)  # without a request: a path
        return path and public_url(path)


class RegionSerializer(serializers.ModelSerializer):
    level = serializers.CharField(help_text="province / prefecture / county")

    class Meta:
        model = Region
        fields = ["code", "name", "level"]


class RecordLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Record
        fields = ["code", "name", "kind"]


class _GroupSerializer(serializers.Serializer):
    """Record fields shown as one object (source="*"), as the exchange format writes them
    (exchange.md version 2): null when `empty` says the record has none."""

    def empty(self, data: dict) -> bool:
        raise NotImplementedError

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return None if self.empty(data) else data


class DesignationSerializer(_GroupSerializer):
    batch = serializers.CharField(source="designation_batch", allow_null=True, help_text="公布批次")
    document = serializers.CharField(
        source="designation_document", allow_null=True, help_text="公布文号"
    )
    authority = serializers.CharField(
        source="designation_authority", allow_null=True, help_text="公布机关"
    )

    def empty(self, data: dict) -> bool:
        return all(value is None for value in data.values())


class ArchiveSerializer(_GroupSerializer):
    # A CharField, as status is: an enum here would collide with the record's `level` in the
    # schema's enum names.
    level = serializers.CharField(source="archive_level", help_text="brief / typical / full")
    completed_on = serializers.DateField(source="archive_completed_on")

    def empty(self, data: dict) -> bool:
        return data["level"] is None


class RecordSerializer(serializers.ModelSerializer):
    """A record in a list: its own fields and its state today."""

    status = serializers.CharField(
        source="status_on_day",
        help_text="candidate / designated / revoked, as of `as_of` (default today)",
    )
    region = serializers.CharField(source="region_id", help_text="GB/T 2260 code")
    region_name = serializers.CharField(source="region.name")
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    plaqued = serializers.BooleanField(
        allow_null=True,
        help_text="a plaque hangs as of `as_of`, default today (null: this kind has no plaques)",
    )
    occupancy = serializers.CharField(
        allow_null=True,
        help_text="in_use / vacant from the latest approved survey; unknown: none (buildings)",
    )
    url = PublicHyperlinkedIdentityField(
        view_name="api-record-detail", lookup_field="code", read_only=True
    )
    designation = DesignationSerializer(
        source="*", read_only=True, allow_null=True, help_text="null: none recorded"
    )
    archive = ArchiveSerializer(
        source="*",
        read_only=True,
        allow_null=True,
        help_text="测绘建档 (districts and buildings); null: none",
    )

    class Meta:
        model = Record
        # The descriptions (up to 20,000 characters each) are in the detail only: a page of
        # the list stays a few kilobytes.
        fields = [
            "code",
            "kind",
            "name",
            "name_en",
            "level",
            "status",
            "region",
            "region_name",
            "parent",
            "designated_on",
            "revoked_on",
            "lat",
            "lon",
            "plaqued",
            "occupancy",
            "era",
            "designation",
            "archive",
            "url",
        ]


class PlaqueSerializer(serializers.ModelSerializer):
    hanging = serializers.BooleanField(help_text="hangs today")

    class Meta:
        model = Plaque
        fields = ["number", "installed_on", "removed_on", "hanging"]


class SurveySerializer(serializers.ModelSerializer):
    """Public fields only: no surveyor, no notes, no workflow."""

    class Meta:
        model = Survey
        fields = ["surveyed_on", "occupancy", "condition", "use"]


@extend_schema_field(OpenApiTypes.URI)
class PublicFileField(serializers.Field):
    """A stored file's public address (registry/public_url.py): /media/<name>, served with its
    object's rule (registry/views/media.py)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return public_url(value.url)


class PhotoSerializer(serializers.ModelSerializer):
    """A public photo: marked so, the record's own or an approved survey's (PUBLIC_PHOTO)."""

    url = PublicFileField(source="image", help_text="the re-encoded image (no EXIF)")
    thumbnail_url = PublicFileField(source="thumbnail", help_text="JPEG, at most 320 pixels a side")

    class Meta:
        model = Photo
        fields = ["url", "thumbnail_url", "width", "height", "captured_on", "caption"]


class DocumentSerializer(serializers.ModelSerializer):
    """A public document (marked public, not withdrawn)."""

    url = PublicFileField(source="file", help_text="a PDF is served as an attachment")

    class Meta:
        model = RecordDocument
        fields = ["title", "kind", "content_type", "size", "url"]


class RecordDetailSerializer(RecordSerializer):
    region_path = RegionSerializer(many=True, help_text="province, prefecture, county")
    parent = RecordLinkSerializer(allow_null=True)
    children_count = serializers.IntegerField()
    condition = serializers.CharField(
        allow_null=True, help_text="from the latest approved survey (buildings)"
    )
    plaques = PlaqueSerializer(many=True, source="plaque_list")
    surveys = SurveySerializer(many=True, source="survey_list", help_text="approved, newest first")
    photos = PhotoSerializer(
        many=True, help_text="public photos, newest capture first (at most 100)"
    )
    documents = DocumentSerializer(
        many=True, source="document_list", help_text="public documents (at most 100)"
    )

    class Meta(RecordSerializer.Meta):
        fields = [
            *RecordSerializer.Meta.fields[:-1],
            "address",
            "description",
            "description_en",
            "region_path",
            "children_count",
            "condition",
            "plaques",
            "surveys",
            "photos",
            "documents",
            "url",
        ]


@extend_schema_view(
    list=extend_schema(summary="Search and filter the catalog (exact counts)"),
    retrieve=extend_schema(summary="One record by its code"),
)
class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = RecordFilterSet
    filter_backends = [CatalogFilterBackend]
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    def get_queryset(self):
        return selectors.catalog().order_by("code")

    def get_serializer_class(self):
        return RecordDetailSerializer if self.action == "retrieve" else RecordSerializer

    def paginate_queryset(self, queryset):
        # The page is chosen on ids alone; its records are then read with their state in one
        # query, so the state is computed for 20 records, not for every match.
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True))
        return selectors.page_records(list(ids), self._day())

    def _day(self):
        return getattr(self, "filter_day", None) or timezone.localdate()

    @extend_schema(
        summary="Download the search's results (CSV, xlsx or GeoJSON), streamed",
        description=(
            "Every record the same filters find (no pages), in code order. CSV and xlsx: "
            "headers and enum labels in the request's language (Accept-Language), cells that a "
            "spreadsheet would run as formulas escaped. GeoJSON (RFC 7946): a FeatureCollection "
            "of Points [lon, lat] of the records with coordinates, raw values in properties "
            "code, name, kind, level, region; after each record's Point, a Feature for each of "
            "its zones (protection_zone, control_zone: Polygon or MultiPolygon, properties "
            'code, name, kind, level and zone "protection" or "control"); a record with zones '
            "but no coordinates has only those. xlsx is limited to a worksheet's 1,048,575 rows "
            "(400 beyond: download CSV)."
        ),
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=list(record_downloads.FORMATS),
                default="csv",
                description="csv, xlsx or geojson (or say it in Accept)",
            )
        ],
        filters=True,  # the list's filters, though the answer is not a list of records
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, XLSXRenderer.media_type): OpenApiResponse(OpenApiTypes.BINARY),
            (200, GeoJSONRenderer.media_type): OpenApiResponse(GEOJSON_SCHEMA),
        },
    )
    @action(
        detail=False,
        url_path="download",
        renderer_classes=[CSVRenderer, XLSXRenderer, GeoJSONRenderer],
        pagination_class=None,
        throttle_classes=[AnonRateThrottle, DownloadRateThrottle],
    )
    def download(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        return record_downloads.response(queryset, self._day(), request.accepted_renderer.format)

    def perform_content_negotiation(self, request, force=False):
        # DRF answers an unknown ?format= with a 404; for a download it is a bad parameter.
        fmt = request.query_params.get("format")
        known = fmt is None or fmt in record_downloads.FORMATS
        if not force and self.action == "download" and not known:
            raise ValidationError(
                {
                    "format": [
                        _("未知的下载格式“%(value)s”：应为 csv、xlsx 或 geojson。") % {"value": fmt}
                    ]
                }
            )
        return super().perform_content_negotiation(request, force)

    def finalize_response(self, request, response, *args, **kwargs):
        # What a download answers but a file (an error, OPTIONS) is JSON, as the whole API's.
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and (
            self.action == "download" or isinstance(renderer, DownloadRenderer)
        ):
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def get_object(self):
        record = selectors.record_detail(self.kwargs["code"], timezone.localdate())
        if record is None:
            raise Http404
        return record
