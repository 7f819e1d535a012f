from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import SURVEY_NOTES_MAX_LENGTH, Condition, Occupancy, SurveyState
from registry.models.versioned import Versioned


class Survey(Versioned):
    """A field survey of a building. Only approved surveys count anywhere."""

    building = models.ForeignKey(
        "registry.Record",
        verbose_name=_("历史建筑"),
        on_delete=models.PROTECT,
        related_name="surveys",
        db_index=False,  # survey_building_state leads with building
    )
    surveyed_on = models.DateField(_("调查日期"))
    occupancy = models.CharField(_("使用状况"), max_length=10, choices=Occupancy.choices)
    condition = models.CharField(
        _("保存状况"), max_length=10, choices=Condition.choices, null=True, blank=True
    )
    use = models.CharField(_("用途"), max_length=200, null=True, blank=True)
    surveyor = models.CharField(_("调查人"), max_length=200, null=True, blank=True)
    notes = models.TextField(
        _("备注"),
        null=True,
        blank=True,
        # A validator, not max_length: on SQLite, max_length on a TextField rebuilds the table.
        validators=[MaxLengthValidator(SURVEY_NOTES_MAX_LENGTH)],
    )
    state = models.CharField(
        _("审核状态"), max_length=10, choices=SurveyState.choices, default=SurveyState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    rejection_reason = models.TextField(_("退回理由"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["building", "surveyed_on", "id"]
        verbose_name = _("现场调查")
        verbose_name_plural = _("现场调查")
        indexes = [
            models.Index(fields=["building", "state", "surveyed_on"], name="survey_building_state"),
            # The reviewers' queue (the admin list filtered to submitted, newest first): a few
            # rows among millions of approved ones. Partial, so it costs an import nothing and
            # no query about approved surveys can pick it.
            models.Index(
                fields=["state"], condition=Q(state=SurveyState.SUBMITTED), name="survey_submitted"
            ),
        ]
        constraints = [
            # The exchange format allows one approved survey per building per day: it is
            # what makes "the latest approved survey" well defined. Drafts may coexist.
            models.UniqueConstraint(
                fields=["building", "surveyed_on"],
                condition=Q(state=SurveyState.APPROVED),
                name="survey_one_approved_per_day",
            ),
            models.CheckConstraint(
                condition=Q(occupancy__in=Occupancy.values), name="survey_occupancy_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=SurveyState.values), name="survey_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building_id} {self.surveyed_on}"
