from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from registry.api.indicators import IndicatorReportView, IndicatorTrendView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("indicators/", IndicatorReportView.as_view(), name="api-indicators"),
    path("indicators/trend/", IndicatorTrendView.as_view(), name="api-indicators-trend"),
]
