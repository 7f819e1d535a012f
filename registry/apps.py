from django.apps import AppConfig
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
