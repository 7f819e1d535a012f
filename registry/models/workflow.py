"""Who works where: the regions of each user of the admin (surveyors, reviewers, registrars).

What each role may do there is said in one place, registry/permissions.py.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionAssignment(models.Model):
    """One region (any GB/T 2260 code: a province covers all its prefectures and counties)
    in which a user works."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="region_assignments",
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("工作区域")
        verbose_name_plural = _("工作区域")
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="regionassignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.region_id}"
