"""What a survey under review changes: its facts next to those of the building's previous
approved survey (Survey.objects.latest_approved by the survey's own day, the rule every
reader uses), for the reviewer's page. Surveys hold no plaque facts: plaques are their own
objects, changed and logged on the record's page."""

from dataclasses import dataclass

from registry.models import Survey

COMPARED = ("occupancy", "condition", "use", "notes")


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Changes:
    previous: Survey | None  # None: the building has no approved survey by that day
    changes: list[Change]


def changes_since_approved(survey: Survey) -> Changes:
    previous = (
        Survey.objects.filter(building_id=survey.building_id)
        .exclude(pk=survey.pk)
        .latest_approved(by=survey.surveyed_on)
        .first()
    )
    if previous is None:
        return Changes(None, [])
    changes = []
    for name in COMPARED:
        old, new = _shown(previous, name), _shown(survey, name)
        if old != new:
            label = str(Survey._meta.get_field(name).verbose_name)
            changes.append(Change(label, old, new))
    return Changes(previous, changes)


def _shown(survey: Survey, name: str) -> str:
    field = Survey._meta.get_field(name)
    if field.choices:
        return str(getattr(survey, f"get_{name}_display")() or "")
    return getattr(survey, name) or ""
