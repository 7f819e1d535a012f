from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("历史文化保护名录")
    default_auto_field = "django.db.models.BigAutoField"
