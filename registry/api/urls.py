from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from registry.api.indicators import IndicatorReportView, IndicatorTrendView
from registry.api.records import RecordViewSet
from registry.api.regions import RegionViewSet

router = SimpleRouter()
router.register("records", RecordViewSet, basename="api-record")
router.register("regions", RegionViewSet, basename="api-region")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("indicators/", IndicatorReportView.as_view(), name="api-indicators"),
    path("indicators/trend/", IndicatorTrendView.as_view(), name="api-indicators-trend"),
    *router.urls,
]
