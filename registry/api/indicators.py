"""GET /api/v1/indicators/ (indicators.md) and /api/v1/indicators/trend/."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.choices import Level
from registry.forms.indicators import IndicatorParamsForm, TrendParamsForm
from registry.models.indicators import FIGURE_LABELS
from registry.selectors.indicators import GROUPINGS, indicator_report, indicator_trend


class FiguresSerializer(serializers.Serializer):
    """Documentation only: the figures of indicators.md (FIGURE_LABELS), then the rates."""

    plaque_coverage = serializers.FloatField(allow_null=True)
    plaque_target_met = serializers.BooleanField(allow_null=True)
    vacancy_rate = serializers.FloatField(allow_null=True)
    vacancy_target_met = serializers.BooleanField(allow_null=True)
    archive_coverage = serializers.FloatField(allow_null=True, help_text="no national target")

    def get_fields(self):
        figures = {
            name: serializers.IntegerField(help_text=label) for name, label in FIGURE_LABELS.items()
        }
        return {**figures, **super().get_fields()}


class RowSerializer(FiguresSerializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    by = serializers.ChoiceField(choices=GROUPINGS)
    region = serializers.CharField(allow_null=True)
    level = serializers.ChoiceField(choices=Level.choices, allow_null=True)
    rows = RowSerializer(many=True)
    total = FiguresSerializer()


class TrendPointSerializer(FiguresSerializer):
    as_of = serializers.DateField()


PARAMETERS = [
    OpenApiParameter("as_of", OpenApiTypes.DATE, description="YYYY-MM-DD; default today"),
    OpenApiParameter("region", str, description="six-digit GB/T 2260 code, e.g. 140000"),
    OpenApiParameter("level", str, enum=Level.values),
]


def _validated(form_class, request) -> dict:
    form = form_class(request.query_params)
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form.cleaned_data


class IndicatorReportView(APIView):
    @extend_schema(
        summary="Plaque coverage, vacancy and archive coverage as of a day",
        parameters=[*PARAMETERS, OpenApiParameter("by", str, enum=list(GROUPINGS))],
        responses={200: ReportSerializer},
    )
    def get(self, request):
        return Response(indicator_report(**_validated(IndicatorParamsForm, request)))


class IndicatorTrendView(APIView):
    @extend_schema(
        summary="The rates of a scope at each year end, then on the day",
        parameters=[*PARAMETERS, OpenApiParameter("years", int, description="1–50; default 10")],
        responses={200: TrendPointSerializer(many=True)},
    )
    def get(self, request):
        params = _validated(TrendParamsForm, request)
        params.pop("by")
        return Response(indicator_trend(**params))
