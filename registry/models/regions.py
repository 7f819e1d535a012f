from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry.choices import RegionLevel, validate_text


class Region(models.Model):
    """A GB/T 2260 division. Loaded from fixtures/regions.json by a data migration."""

    code = models.CharField(_("代码"), max_length=6, primary_key=True, validators=[validate_text])
    name = models.CharField(_("名称"), max_length=100, validators=[validate_text])
    # The English form (registry/region_names.py's rule; fixtures/regions_en.json).
    name_en = models.CharField(
        _("英文名称"), max_length=100, blank=True, default="", validators=[validate_text]
    )
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
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        """The region's name in the current language: the one definition pages, downloads,
        reports and facets show (the JSON API keeps `name`, as the specs say)."""
        return region_label(self.name, self.name_en)


def english_wanted() -> bool:
    """True when the request's language is English (the site is Chinese first)."""
    return (get_language() or "").startswith("en")


def region_label(name: str, name_en: str) -> str:
    """A region's name in the current language, from its two stored names (for code that
    reads `values_list("name", "name_en")` instead of Region objects)."""
    return name_en if name_en and english_wanted() else name


def region_labels(codes) -> dict[str, str]:
    """{code: label in the current language} for the regions the table has among `codes`."""
    rows = Region.objects.filter(code__in=list(codes)).values_list("code", "name", "name_en")
    return {code: region_label(name, name_en) for code, name, name_en in rows}
