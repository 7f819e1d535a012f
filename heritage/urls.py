from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from registry.views import media

urlpatterns = [
    path("admin/", admin.site.urls),
    # Photo files, each with its photo's permission rule, in development as in production: no
    # web server may serve MEDIA_ROOT by itself (registry/views/media.py).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.photo_file, name="photo-file"),
    path("api/v1/", include("registry.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("registry.urls")),
]

# Unknown URLs under /api/ answer JSON, as the API schema documents (registry/api/errors.py).
handler404 = "registry.api.errors.not_found"
