"""Public pages of the registry."""

from django.urls import path, re_path

from registry.api.records import CODE_REGEX
from registry.views import catalog, crawlers, protection, reports

urlpatterns = [
    path("robots.txt", crawlers.robots_txt, name="robots"),
    path("sitemap.xml", crawlers.sitemap_index, name="sitemap-index"),
    path("sitemap-<section>.xml", crawlers.sitemap_page, name="sitemap-section"),
    path("reports/", reports.report_page, name="reports"),
    re_path(r"^reports/(?P<fmt>csv|xlsx|json)/$", reports.report_download, name="reports-download"),
    path("protection/", protection.protection_page, name="protection"),
    path("", catalog.search_page, name="catalog"),
    path("search/points/", catalog.map_points, name="catalog-points"),
    path("search/zones/", catalog.map_zones, name="catalog-zones"),
    re_path(r"^search/(?P<fmt>csv|xlsx|geojson)/$", catalog.download, name="catalog-download"),
    re_path(rf"^records/(?P<code>{CODE_REGEX})/$", catalog.record_page, name="catalog-record"),
]
