"""The life of a survey: drafted, submitted, then approved or rejected (with a reason) by a
reviewer who is not its surveyor. Only approved surveys count anywhere; approved surveys are
never changed again (corrections are new surveys).

Each step locks the survey's row, refuses a survey changed since its page was opened
(registry.services.locking), checks the rule in registry.permissions, saves one object
(the indicator state follows by its signals) and is logged with its values before and after.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import permissions
from registry.choices import Kind, SurveyState
from registry.models import ChangeAction, Record, Survey
from registry.services import audit, locking

FIELDS = ("building", "surveyed_on", "occupancy", "condition", "use", "surveyor", "notes")


def survey_create(*, user, building: Record, data: dict) -> Survey:
    survey = Survey(building=building, created_by=user, state=SurveyState.DRAFT)
    _assign(survey, data)
    _check_building(user, survey)
    if not permissions.can(user, permissions.ADD, survey):
        raise PermissionDenied
    with transaction.atomic():
        survey.full_clean()
        survey.save()
        audit.log(user=user, action=ChangeAction.CREATE, obj=survey)
    return survey


def survey_update(*, user, survey: Survey, data: dict, version: int) -> Survey:
    """Change a draft or rejected survey (its own surveyor only), if it is still at
    `version`."""
    with transaction.atomic():
        current = _locked(survey, version)
        if not permissions.can(user, permissions.CHANGE, current):
            raise PermissionDenied
        before = audit.snapshot(current)
        _assign(current, data)
        _check_building(user, current)
        current.full_clean()
        locking.advance(current)
        current.save()
        audit.log(user=user, action=ChangeAction.CHANGE, obj=current, before=before)
    return current


# Each step takes the version of the survey as its page showed it: a survey changed since
# (edited, resubmitted, judged by someone else) is not submitted or judged unseen.


def survey_submit(*, user, survey: Survey, version: int) -> Survey:
    step = (permissions.SUBMIT, SurveyState.SUBMITTED, ChangeAction.SUBMIT)
    return _move(user, survey, version, *step)


def survey_approve(*, user, survey: Survey, version: int) -> Survey:
    step = (permissions.APPROVE, SurveyState.APPROVED, ChangeAction.APPROVE)
    return _move(user, survey, version, *step)


def survey_reject(*, user, survey: Survey, reason: str, version: int) -> Survey:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"rejection_reason": _("退回时必须填写理由。")})
    step = (permissions.APPROVE, SurveyState.REJECTED, ChangeAction.REJECT)
    return _move(user, survey, version, *step, reason)


def _move(user, survey, version, rule, state, action, reason=None) -> Survey:
    with transaction.atomic():
        current = _locked(survey, version)
        if not permissions.can(user, rule, current):
            raise PermissionDenied
        before = audit.snapshot(current)
        current.state = state
        if rule == permissions.APPROVE:
            current.reviewed_by = user
            current.reviewed_at = timezone.now()
            current.rejection_reason = reason
        # Approving checks the unique approved survey per building and day, among others.
        current.full_clean()
        locking.advance(current)
        current.save()
        audit.log(user=user, action=action, obj=current, before=before)
    return current


def _locked(survey: Survey, version: int) -> Survey:
    return locking.lock(Survey.objects.select_related("building"), survey.pk, version)


def _assign(survey: Survey, data: dict) -> None:
    for name, value in data.items():
        if name not in FIELDS:
            raise ValueError(f"not a survey field a surveyor enters: {name}")
        setattr(survey, name, value)


def _check_building(user, survey: Survey) -> None:
    building = survey.building
    if building.kind != Kind.BUILDING:
        raise ValidationError({"building": _("只有历史建筑可以登记现场调查。")})
    if not permissions.in_scope(user, building.region_id):
        raise PermissionDenied
