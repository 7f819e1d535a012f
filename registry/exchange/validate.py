"""Per-line rules of the exchange format (exchange.md): everything a single line can tell.

Rules that need other lines or the registry (duplicate codes, parents, a code changing kind)
are checked in SQL over the staged file: see staging.py.
"""

import datetime
import json
import math
import re
from dataclasses import dataclass, field

from registry.choices import (
    ISO_DATE_PATTERN,
    KINDS_WITH_ARCHIVE,
    KINDS_WITH_PLAQUES,
    KINDS_WITH_SURVEYS,
    PARENTLESS_KINDS,
    RECORD_CODE_PATTERN,
    ArchiveLevel,
    Condition,
    Kind,
    Level,
    Occupancy,
    forbidden_character,
    is_blank,
)
from registry.regionscope import REGION_CODE_RE
from registry.zones.geometry import ZoneError, json_kind, parse_zone

from .format import (
    ARCHIVE_KEYS,
    DESIGNATION_KEYS,
    MAX_LENGTHS,
    PLAQUE_KEYS,
    RECORD_KEYS,
    SURVEY_KEYS,
    ZONE_KEYS,
)

RECORD_CODE_RE = re.compile(RECORD_CODE_PATTERN)
DATE_RE = re.compile(ISO_DATE_PATTERN)
KINDS = frozenset(Kind.values)
LEVELS = frozenset(Level.values)
OCCUPANCIES = frozenset(Occupancy.values)
CONDITIONS = frozenset(Condition.values)
RECORD_KEY_SET = frozenset(RECORD_KEYS)
PLAQUE_KEY_SET = frozenset(PLAQUE_KEYS)
SURVEY_KEY_SET = frozenset(SURVEY_KEYS)
DESIGNATION_KEY_SET = frozenset(DESIGNATION_KEYS)
ARCHIVE_KEY_SET = frozenset(ARCHIVE_KEYS)
ARCHIVE_LEVELS = frozenset(ArchiveLevel.values)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list) -> dict:
    """A key given twice would silently lose its first value (json keeps the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        raise DuplicateKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


# The pairs hook costs a little time on every line (bench/exchange.py times the import): the
# price of refusing {"code": "B1", ..., "code": "B2"} instead of importing B2 alone.
_decoder = json.JSONDecoder(parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


@dataclass(slots=True)
class Parsed:
    """One valid line, as rows for the staging tables."""

    record: tuple
    plaques: list[tuple] = field(default_factory=list)
    surveys: list[tuple] = field(default_factory=list)


class LineErrors(list):
    """(line, key, reason) triples for one line."""

    def __init__(self, line: int):
        super().__init__()
        self.line = line

    def add(self, key: str, reason: str) -> None:
        self.append((self.line, key, reason))


def decode_line(raw: bytes, line: int, errors: LineErrors):
    """bytes -> JSON object, or None with the reason recorded."""
    if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
        errors.add("-", "byte-order mark: the exchange format is UTF-8 without BOM")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.add("-", f"not UTF-8 (byte {exc.start + 1}): the exchange format is UTF-8")
        return None
    try:
        obj = _decoder.decode(text)
    except json.JSONDecodeError as exc:
        errors.add("-", f"invalid JSON: {exc.msg} (column {exc.colno})")
        return None
    except DuplicateKey as exc:
        errors.add(str(exc.key), "given twice in one object: which value is meant?")
        return None
    except ValueError as exc:  # NaN / Infinity
        errors.add("-", f"invalid JSON: {exc}")
        return None
    except RecursionError:
        errors.add("-", "invalid JSON: nested too deeply")
        return None
    if not isinstance(obj, dict):
        errors.add("-", "a line must be a JSON object")
        return None
    return obj


def _absent(obj: dict, key: str, errors: LineErrors, required: bool, prefix: str) -> None:
    """A missing or null value: fine when optional, else said which of the two it is."""
    if required:
        errors.add(prefix + key, "required" if key not in obj else "must not be null")


def _text(obj: dict, key: str, errors: LineErrors, *, required=False, prefix="", field=None):
    """A string value (or None when optional); checks its length (that of the model field
    `field`, by default named as the key), and the characters no text of the registry holds
    (choices.forbidden_character: NUL, surrogates)."""
    value = obj.get(key)
    if value is None:
        return _absent(obj, key, errors, required, prefix)
    if type(value) is not str:
        errors.add(prefix + key, f"must be a string, not {json_kind(value)}")
        return None
    limit = MAX_LENGTHS.get(field or key)
    if limit and len(value) > limit:
        errors.add(prefix + key, f"longer than {limit} characters")
        return None
    reason = forbidden_character(value)
    if reason is not None:
        errors.add(prefix + key, reason)
        return None
    return value


def _choice(obj: dict, key: str, allowed: frozenset, errors: LineErrors, *, required, prefix=""):
    value = obj.get(key)
    if value is None:
        return _absent(obj, key, errors, required, prefix)
    if not isinstance(value, str) or value not in allowed:
        errors.add(prefix + key, f"must be one of {', '.join(sorted(allowed))}, not {value!r}")
        return None
    return value


def _date(obj: dict, key: str, errors: LineErrors, *, required=False, prefix=""):
    """A YYYY-MM-DD string, kept as text: ISO dates compare correctly as strings."""
    value = obj.get(key)
    if value is None:
        return _absent(obj, key, errors, required, prefix)
    if type(value) is not str or not DATE_RE.fullmatch(value):
        errors.add(prefix + key, f"must be a date YYYY-MM-DD, not {value!r}")
        return None
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        errors.add(prefix + key, f"not a real day: {value!r}")
        return None
    return value


def _coordinate(obj: dict, key: str, bound: int, errors: LineErrors):
    value = obj.get(key)
    if value is None:
        return None
    if type(value) not in (int, float):
        errors.add(key, f"must be a number, not {json_kind(value)}")
        return None
    if not (-bound <= value <= bound) or not math.isfinite(value):
        errors.add(key, f"must be within [-{bound}, {bound}], not {value}")
        return None
    return float(value)


def _unknown_keys(obj: dict, known: frozenset, errors: LineErrors, prefix: str = "") -> None:
    for key in obj:
        if key not in known:
            errors.add(f"{prefix}{key}", "unknown key")


def _items(obj: dict, key: str, kind: str, kinds_with: frozenset, errors: LineErrors):
    """The plaques/surveys list: [] when absent or null; only non-empty on kinds that have it."""
    value = obj.get(key)
    if value is None:
        return []
    if type(value) is not list:
        errors.add(key, f"must be a list, not {json_kind(value)}")
        return []
    if value and kind is not None and kind not in kinds_with:  # no kind: its own error says so
        errors.add(key, f"a {kind} has no {key}")
        return []
    return value


def _plaques(items: list, line: int, errors: LineErrors) -> list[tuple]:
    rows = []
    for i, item in enumerate(items):
        prefix = f"plaques[{i}]."
        if type(item) is not dict:
            errors.add(prefix[:-1], "must be an object")
            continue
        before = len(errors)
        _unknown_keys(item, PLAQUE_KEY_SET, errors, prefix=prefix)
        number = _text(item, "number", errors, prefix=prefix)
        installed = _date(item, "installed_on", errors, required=True, prefix=prefix)
        removed = _date(item, "removed_on", errors, prefix=prefix)
        if installed and removed and removed <= installed:
            errors.add(prefix + "removed_on", "must be after installed_on")
        if len(errors) == before:
            rows.append((line, i, number, installed, removed))
    return rows


def _surveys(items: list, line: int, errors: LineErrors) -> list[tuple]:
    rows, days = [], set()
    for i, item in enumerate(items):
        prefix = f"surveys[{i}]."
        if type(item) is not dict:
            errors.add(prefix[:-1], "must be an object")
            continue
        before = len(errors)
        _unknown_keys(item, SURVEY_KEY_SET, errors, prefix=prefix)
        day = _date(item, "surveyed_on", errors, required=True, prefix=prefix)
        occupancy = _choice(item, "occupancy", OCCUPANCIES, errors, required=True, prefix=prefix)
        condition = _choice(item, "condition", CONDITIONS, errors, required=False, prefix=prefix)
        use = _text(item, "use", errors, prefix=prefix)
        surveyor = _text(item, "surveyor", errors, prefix=prefix)
        notes = _text(item, "notes", errors, prefix=prefix)
        if day in days:
            errors.add(prefix + "surveyed_on", f"a second survey on {day}: at most one a day")
        days.add(day)
        if len(errors) == before:
            rows.append((line, day, occupancy, condition, use, surveyor, notes))
    return rows


def _object(obj: dict, key: str, known: frozenset, errors: LineErrors) -> dict | None:
    """The object of `key` (designation, archive), None when null or absent or invalid; keys
    not in `known` are errors."""
    value = obj.get(key)
    if value is None:
        return None
    if type(value) is not dict:
        errors.add(key, f"must be an object or null, not {json_kind(value)}")
        return None
    if not known.issuperset(value):
        _unknown_keys(value, known, errors, prefix=f"{key}.")
    return value


_NO_DESIGNATION = (None,) * len(DESIGNATION_KEYS)


def _designation(obj: dict, errors: LineErrors) -> tuple:
    """(batch, document, authority): a key missing is null, and so all null is no designation."""
    value = _object(obj, "designation", DESIGNATION_KEY_SET, errors)
    if value is None:
        return _NO_DESIGNATION
    return tuple(
        _text(value, key, errors, prefix="designation.", field=f"designation_{key}")
        for key in DESIGNATION_KEYS
    )


def _archive(obj: dict, kind: str | None, errors: LineErrors) -> tuple:
    """(level, completed_on): both required in an archive, which only some kinds have."""
    value = _object(obj, "archive", ARCHIVE_KEY_SET, errors)
    if value is None:
        return None, None
    if kind is not None and kind not in KINDS_WITH_ARCHIVE:  # no kind: its own error says so
        errors.add("archive", f"a {kind} has no archive")
        return None, None
    level = _choice(value, "level", ARCHIVE_LEVELS, errors, required=True, prefix="archive.")
    day = _date(value, "completed_on", errors, required=True, prefix="archive.")
    return level, day


def _zone(obj: dict, key: str, errors: LineErrors) -> bytes | None:
    """A zone as its WKB (RFC 7946 orientation; bytes travel from the workers by marshal), None
    when null or absent or invalid. parse_zone is the one validator (registry/zones)."""
    value = obj.get(key)
    if value is None:
        return None
    try:
        return parse_zone(value).wkb
    except ZoneError as exc:
        errors.add(key, exc.reason)
        return None


def parse_record(obj: dict, errors: LineErrors, regions: frozenset[str]) -> Parsed | None:
    """Validate one decoded line; None (with errors recorded) when it is invalid."""
    if not RECORD_KEY_SET.issuperset(obj):
        _unknown_keys(obj, RECORD_KEY_SET, errors)
    for key in ("code", "region"):  # the other required keys are checked with their values
        if key not in obj:
            errors.add(key, "required")
    kind = _choice(obj, "kind", KINDS, errors, required=True)
    code = obj.get("code")
    if type(code) is not str or not RECORD_CODE_RE.fullmatch(code):
        if "code" in obj:
            errors.add("code", f"must be 1-40 of A-Z a-z 0-9 . _ -, not {code!r}")
        code = None
    name = _text(obj, "name", errors, required=True)
    if name is not None and is_blank(name):
        errors.add("name", "must not be blank")
    name_en = _text(obj, "name_en", errors)
    level = _choice(obj, "level", LEVELS, errors, required=True)
    region = obj.get("region")
    if type(region) is not str or not REGION_CODE_RE.fullmatch(region):
        if "region" in obj:
            errors.add("region", f"must be a six-digit GB/T 2260 code, not {region!r}")
    elif region not in regions:
        errors.add("region", f"unknown region code {region}")
    parent = obj.get("parent")
    if parent is not None:
        if type(parent) is not str or not RECORD_CODE_RE.fullmatch(parent):
            errors.add("parent", f"must be a record code or null, not {parent!r}")
        elif kind in PARENTLESS_KINDS:
            errors.add("parent", f"a {kind} has no parent")
        elif parent == code:
            errors.add("parent", "a record cannot be its own parent")
    designated = _date(obj, "designated_on", errors)
    revoked = _date(obj, "revoked_on", errors)
    designated_invalid = designated is None and obj.get("designated_on") is not None
    if revoked is not None and not designated_invalid:
        if designated is None:
            errors.add("revoked_on", "revoked_on without designated_on")
        elif revoked <= designated:
            errors.add("revoked_on", "must be after designated_on")
    address = _text(obj, "address", errors)
    lat = _coordinate(obj, "lat", 90, errors)
    lon = _coordinate(obj, "lon", 180, errors)
    if (obj.get("lat") is None) != (obj.get("lon") is None):
        errors.add("lat" if obj.get("lat") is None else "lon", "lat and lon: both or neither")
    era = _text(obj, "era", errors)
    description = _text(obj, "description", errors)
    description_en = _text(obj, "description_en", errors)
    designation = _designation(obj, errors)
    archive = _archive(obj, kind, errors)
    zones = tuple(_zone(obj, key, errors) for key in ZONE_KEYS)
    plaques = _items(obj, "plaques", kind, KINDS_WITH_PLAQUES, errors)
    surveys = _items(obj, "surveys", kind, KINDS_WITH_SURVEYS, errors)
    plaque_rows = _plaques(plaques, errors.line, errors) if plaques else []
    survey_rows = _surveys(surveys, errors.line, errors) if surveys else []
    if errors:
        return None
    record = (
        errors.line, code, kind, name, name_en, level, region, parent, designated, revoked,
        address, lat, lon, era, description, description_en, *designation, *archive, *zones,
    )  # fmt: skip
    return Parsed(record, plaque_rows, survey_rows)
