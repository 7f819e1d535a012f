from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("历史文化保护名录")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Single-object saves of records, plaques and surveys keep the indicator state and the
        # search data current, and plain saves of records are logged.
        from registry.services import derived

        derived.connect_signals()
        # Deploy checks register themselves on import.
        from registry import checks  # noqa: F401


class HeritageAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the registry's own site (registry/admin_site.py): its name and the
    reviewers' queue on its home page."""

    default = False  # named in INSTALLED_APPS; "registry" stays RegistryConfig
    default_site = "registry.admin_site.HeritageAdminSite"
