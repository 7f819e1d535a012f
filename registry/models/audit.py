"""The audit trail: one row per create or change of a record, plaque, survey or photo, with
who, when, and the object's values before and after. Written by registry.services.audit (the
services, the admin, and the importers' set-based `log_bulk`); never edited, never deleted."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("新建")
    CHANGE = "change", _("修改")
    DESIGNATE = "designate", _("认定")
    REVOKE = "revoke", _("撤销")
    SUBMIT = "submit", _("提交审核")
    APPROVE = "approve", _("审核通过")
    REJECT = "reject", _("退回")
    IMPORT = "import", _("导入")


class ChangeLog(models.Model):
    time = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=10, choices=ChangeAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=40)  # "registry.record"
    object_id = models.BigIntegerField(_("对象ID"))
    object_repr = models.CharField(_("对象"), max_length=300)
    # The record the object belongs to, and its region at the time: the record's history page
    # and the region scope of permissions read these without joins. No foreign key: the bulk
    # importer logs with INSERT ... SELECT, and the log outlives anything.
    record_id = models.BigIntegerField(_("保护对象ID"), null=True, blank=True)
    region_id = models.CharField(_("行政区划"), max_length=6, null=True, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="changelog_object"),
            models.Index(fields=["record_id", "id"], name="changelog_record"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"
