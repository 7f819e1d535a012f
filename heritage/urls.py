from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("registry.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("registry.urls")),
]
# Uploaded photos in development (static() adds nothing unless DEBUG); a web server serves
# MEDIA_ROOT in production.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Unknown URLs under /api/ answer JSON, as the API schema documents (registry/api/errors.py).
handler404 = "registry.api.errors.not_found"
