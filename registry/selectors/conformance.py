"""What in the registry an export would write and the import refuse (exchange.md).

The models hold the format's rules today (Record.clean, Plaque.clean, the notes validator), but
records saved before they did, or written around them (a script, a raw UPDATE), may break
them. `problems()` lists each as (record code, key, reason), in the importer's own words where
it has them, so an operator can mend the records before exchanging the registry.
"""

from collections.abc import Iterator

from django.db.models import Q
from django.db.models.functions import Length

from registry.choices import (
    ALLOWED_PARENT_KINDS,
    KINDS_WITH_PLAQUES,
    Kind,
    SurveyState,
    is_blank,
)
from registry.exchange.format import MAX_LENGTHS
from registry.exchange.validate import RECORD_CODE_RE
from registry.models import Plaque, Record, Survey

# The text fields the importer limits, by the model that holds each.
LIMITED = {
    Record: ("code", ("name", "name_en", "address")),
    Plaque: ("record__code", ("number",)),
    Survey: ("building__code", ("use", "surveyor", "notes")),
}
APPROVED = SurveyState.APPROVED


def problems() -> Iterator[tuple[str, str, str]]:
    yield from _codes_and_names()
    yield from _parents()
    yield from _owners()
    yield from _lengths()


def _codes_and_names():
    # In Python: the code pattern is a regular expression, which SQLite has no function for.
    rows = Record.objects.order_by("code").values_list("code", "name")
    for code, name in rows.iterator(chunk_size=10_000):
        if not RECORD_CODE_RE.fullmatch(code):
            yield code, "code", f"must be 1-40 of A-Z a-z 0-9 . _ -, not {code!r}"
        if is_blank(name):
            yield code, "name", "must not be blank"


def _parents():
    for kind, allowed in ALLOWED_PARENT_KINDS.items():
        wrong = Record.objects.filter(kind=kind, parent__isnull=False).exclude(
            parent__kind__in=allowed
        )
        for code, parent, parent_kind in wrong.values_list("code", "parent__code", "parent__kind"):
            yield code, "parent", f"a {kind} cannot lie in a {parent_kind} ({parent})"


def _owners():
    on_others = Plaque.objects.exclude(record__kind__in=KINDS_WITH_PLAQUES)
    for code, kind in on_others.values_list("record__code", "record__kind").distinct():
        yield code, "plaques", f"a {kind} has no plaques: the export leaves them out"
    surveyed = Survey.objects.filter(state=APPROVED).exclude(building__kind=Kind.BUILDING)
    for code, kind in surveyed.values_list("building__code", "building__kind").distinct():
        yield code, "surveys", f"a {kind} has no surveys: the export leaves them out"


def _lengths():
    for model, (code, fields) in LIMITED.items():
        rows = model.objects.all()
        if model is Survey:
            rows = rows.filter(state=APPROVED)  # only approved surveys are exported
        rows = rows.annotate(**{f"{field}_length": Length(field) for field in fields})
        longer = Q()
        for field in fields:
            longer |= Q(**{f"{field}_length__gt": MAX_LENGTHS[field]})
        for owner, *lengths in rows.filter(longer).values_list(
            code, *(f"{f}_length" for f in fields)
        ):
            for field, length in zip(fields, lengths, strict=True):
                if length is not None and length > MAX_LENGTHS[field]:
                    yield owner, field, f"longer than {MAX_LENGTHS[field]} characters"
