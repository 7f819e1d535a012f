from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import RegionLevel, validate_text


class Region(models.Model):
    """A GB/T 2260 division. Loaded from fixtures/regions.json by a data migration."""

    code = models.CharField(_("代码"), max_length=6, primary_key=True, validators=[validate_text])
    name = models.CharField(_("名称"), max_length=100, validators=[validate_text])
    level = models.CharField(_("级别"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
