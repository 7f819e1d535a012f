"""What in the registry an export would write and the import refuse (exchange.md), or a backup
could not restore into PostgreSQL.

The models hold the format's rules today (Record.clean, Plaque.clean, the notes validator), but
records saved before they did, or written around them (a script, a raw UPDATE), may break
them. `problems()` lists each as (record code, key, reason), in the importer's own words where
it has them, so an operator can mend the records before exchanging the registry.
"""

from collections.abc import Iterator
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Q, Value
from django.db.models.functions import Chr, Length, StrIndex

from registry.choices import (
    ALLOWED_PARENT_KINDS,
    KINDS_WITH_PLAQUES,
    NUL_REASON,
    Kind,
    SurveyState,
    is_blank,
    validate_text,
)
from registry.exchange.format import DESIGNATION_KEYS, LIMITED_KEYS, MAX_LENGTHS
from registry.exchange.validate import RECORD_CODE_RE
from registry.models import Photo, Plaque, Record, Survey

APPROVED = SurveyState.APPROVED
# The record that names each model's rows in a problem, and the word for one of them.
OWNERS = {
    Record: ("code", None),
    Plaque: ("record__code", "plaque"),
    Survey: ("building__code", "survey"),
    Photo: ("record__code", "photo"),
}


# A field's key as the importer names it: the designation's texts are keys of one object.
EXCHANGE_KEYS = {f"designation_{key}": f"designation.{key}" for key in DESIGNATION_KEYS}


def _key(field: str) -> str:
    return EXCHANGE_KEYS.get(field, field)


def problems() -> Iterator[tuple[str, str, str]]:
    yield from _codes_and_names()
    yield from _parents()
    yield from _owners()
    yield from _lengths()
    yield from _forbidden_characters()


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
    for model, fields in LIMITED_KEYS.items():
        code = OWNERS[model][0]
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
                    yield owner, _key(field), f"longer than {MAX_LENGTHS[field]} characters"


def _forbidden_characters():
    """A NUL in any text a person wrote (choices.forbidden_character), whatever its state: SQLite
    stores one, and then the export no longer imports and a backup no longer restores into
    PostgreSQL. PostgreSQL stores none, and no driver stores a surrogate: nothing to find."""
    if connection.vendor == "postgresql":
        return
    for model, (owner, noun) in OWNERS.items():
        fields = [f.name for f in model._meta.fields if validate_text in f.validators]
        # INSTR, not LIKE: SQLite's LIKE reads its pattern only up to a NUL.
        at = {f"{field}_nul": StrIndex(field, Chr(Value(0))) for field in fields}
        held = reduce(or_, (Q(**{f"{name}__gt": 0}) for name in at))
        rows = model.objects.annotate(**at).filter(held).order_by(owner, "pk")
        for code, pk, *positions in rows.values_list(owner, "pk", *at):
            for field, position in zip(fields, positions, strict=True):
                if position:
                    yield code, _key(field), NUL_REASON + (f" ({noun} {pk})" if noun else "")
