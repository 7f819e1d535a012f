from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("registry.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("registry.urls")),
    # Until the public catalog (issue 4) takes "/", send visitors to the report.
    path("", RedirectView.as_view(pattern_name="reports", permanent=False), name="home"),
]
