from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from registry.api.indicators import IndicatorReportView, IndicatorTrendView
from registry.api.protection import ProtectionView
from registry.api.records import RecordViewSet
from registry.api.regions import RegionViewSet

router = SimpleRouter()
router.register("records", RecordViewSet, basename="api-record")
router.register("regions", RegionViewSet, basename="api-region")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The docs page's title in the reader's language (the schema's own title stays bilingual).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", title=_("历史文化保护名录 API")),
        name="api-docs",
    ),
    path("indicators/", IndicatorReportView.as_view(), name="api-indicators"),
    path("indicators/trend/", IndicatorTrendView.as_view(), name="api-indicators-trend"),
    path("protection/", ProtectionView.as_view(), name="api-protection"),
    *router.urls,
]
