"""Public pages of the registry."""

from django.urls import path, re_path

from registry.views import reports

urlpatterns = [
    path("reports/", reports.report_page, name="reports"),
    re_path(r"^reports/(?P<fmt>csv|xlsx|json)/$", reports.report_download, name="reports-download"),
]
