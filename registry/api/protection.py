"""GET /api/v1/protection/?lat=Y&lon=X[&as_of=D] (docs/spec/protection.md): the records whose
protection or control zone contains the point, as of a day. Public and throttled like the rest
of the API (the default permission and throttle classes)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.choices import Kind, Level, Status
from registry.forms.protection import ProtectionParamsForm
from registry.zones.protection import ZONES, protection_check

# Their enums are named in settings.SPECTACULAR_SETTINGS (ENUM_NAME_OVERRIDES): a plain
# "StatusEnum" would read as the record's three statuses.
STATUSES = [Status.DESIGNATED.value, Status.CANDIDATE.value]


class ProtectionResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    status = serializers.ChoiceField(choices=STATUSES, help_text="as of `as_of`")
    zone = serializers.ChoiceField(
        choices=ZONES, help_text="protection (保护范围) or control (建设控制地带)"
    )


class ProtectionSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    as_of = serializers.DateField()
    results = ProtectionResultSerializer(many=True)


def _degrees(name: str, limit: int, what: str) -> OpenApiParameter:
    schema = {"type": "number", "format": "double", "minimum": -limit, "maximum": limit}
    return OpenApiParameter(name, schema, required=True, description=f"{what}, WGS-84 degrees")


PARAMETERS = [
    _degrees("lat", 90, "latitude"),
    _degrees("lon", 180, "longitude"),
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="YYYY-MM-DD; default today"),
]


class ProtectionView(APIView):
    @extend_schema(
        summary="Is this place protected? The zones that contain a point, as of a day",
        parameters=PARAMETERS,
        responses={200: ProtectionSerializer},
    )
    def get(self, request):
        form = ProtectionParamsForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        params = form.cleaned_data
        results = protection_check(lat=params["lat"], lon=params["lon"], as_of=params["as_of"])
        return Response(ProtectionSerializer({**params, "results": results}).data)
