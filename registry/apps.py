from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("历史文化保护名录")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Single-object saves of records, plaques and surveys keep the indicator state current.
        from registry.services.indicator_state import connect_signals

        connect_signals()
        # ...and of records the catalog's search data.
        from registry.services import search_index

        search_index.connect_signals()
        # Deploy checks register themselves on import.
        from registry import checks  # noqa: F401
