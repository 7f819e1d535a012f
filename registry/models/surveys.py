import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import (
    SURVEY_NOTES_MAX_LENGTH,
    Condition,
    Occupancy,
    SurveyState,
    validate_text,
)
from registry.models.versioned import Versioned

# --- The latest approved survey by day D (indicators.md: a building's occupancy on D), in the
# three forms its readers need; tested equal on a grid of cases (tests/test_rules_once.py).
# Only approved surveys count, and only from their day on; one approved survey a day (the
# constraint survey_one_approved_per_day) makes "the latest" a total order.


class SurveyQuerySet(models.QuerySet):
    def approved(self, *, by: datetime.date) -> "SurveyQuerySet":
        """The surveys that count on day `by`."""
        return self.filter(state=SurveyState.APPROVED, surveyed_on__lte=by)

    def latest_approved(self, *, by: datetime.date) -> "SurveyQuerySet":
        """approved(by=D), newest first: its first row is a building's latest approved survey
        by D (filter it by building, or by OuterRef("pk") in a subquery)."""
        return self.approved(by=by).order_by("-surveyed_on")


def latest_approved_sql(field: str, by: str, building: str) -> str:
    """latest_approved in raw SQL (the indicator state): the `field` of the latest approved
    survey of the building whose id is the SQL expression `building`, by the day `by` (an SQL
    expression); NULL if there is none."""
    return (
        f"(SELECT s.{field} FROM {Survey._meta.db_table} s WHERE s.building_id = {building}"
        f" AND s.state = '{SurveyState.APPROVED.value}' AND s.surveyed_on <= {by}"
        " ORDER BY s.surveyed_on DESC LIMIT 1)"
    )


def latest_survey(surveys: Iterable[dict], by):
    """latest_approved for approved surveys already read as dicts (the export's rows): the one
    with the latest `surveyed_on` on or before `by` (dates or ISO texts alike), or None."""
    dated = [s for s in surveys if s["surveyed_on"] <= by]
    return max(dated, key=lambda s: s["surveyed_on"], default=None)


FUTURE_SURVEY = _("调查日期不能晚于今天。")


def refuse_future(day: datetime.date | None) -> None:
    """A survey reports what was seen: one dated after today (the site's day) is refused, by
    the admin's form and the services (Survey.clean) and by the survey import alike. The
    exchange import is the registry's own data from another registry, not a surveyor's entry:
    its surveys count from their day on (tests/test_rules_future_dated.py)."""
    if day is not None and day > timezone.localdate():
        raise ValidationError(FUTURE_SURVEY, code="future")


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
    use = models.CharField(
        _("用途"), max_length=200, null=True, blank=True, validators=[validate_text]
    )
    surveyor = models.CharField(
        _("调查人"), max_length=200, null=True, blank=True, validators=[validate_text]
    )
    notes = models.TextField(
        _("备注"),
        null=True,
        blank=True,
        # A validator, not max_length: on SQLite, max_length on a TextField rebuilds the table.
        validators=[MaxLengthValidator(SURVEY_NOTES_MAX_LENGTH), validate_text],
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
    rejection_reason = models.TextField(
        _("退回理由"), null=True, blank=True, validators=[validate_text]
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    objects = SurveyQuerySet.as_manager()

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
        # People know a building by its code and name, not its row number. Lists that show
        # surveys select_related("building"); the change log's SQL form is in services/audit.
        return f"{self.building.code} {self.building.name} {self.surveyed_on}"

    def clean(self):
        super().clean()
        try:
            refuse_future(self.surveyed_on)
        except ValidationError as error:
            raise ValidationError({"surveyed_on": error.error_list}) from None
