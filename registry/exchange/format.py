"""The exchange format's fixed shapes (exchange.md): key order, enumerations, JSON encoding.

Both the importer and the exporter read from here, so a round trip cannot drift.
"""

import json
import math
from json.encoder import encode_basestring

from registry.models import Plaque, Record, Survey
from registry.models.limits import max_length

RECORD_KEYS = (
    "kind", "code", "name", "name_en", "level", "region", "parent", "designated_on",
    "revoked_on", "address", "lat", "lon", "era", "description", "description_en",
    "designation", "archive", "protection_zone", "control_zone", "plaques", "surveys",
)  # fmt: skip
# The keys of the two objects of version 2, each a group of Record fields (`designation_batch`
# ...), and the two zones, each a GeoJSON geometry held in the Record field of its name.
DESIGNATION_KEYS = ("batch", "document", "authority")
ARCHIVE_KEYS = ("level", "completed_on")
ZONE_KEYS = ("protection_zone", "control_zone")
PLAQUE_KEYS = ("number", "installed_on", "removed_on")
SURVEY_KEYS = ("surveyed_on", "occupancy", "condition", "use", "surveyor", "notes")

# The text keys whose length the registry limits, by the model that holds each, and their
# limits: the model fields' own (the spec gives only the name's, 1-200).
_RECORD_TEXTS = (
    "name", "name_en", "address", "era", "description", "description_en",
    *(f"designation_{key}" for key in DESIGNATION_KEYS),
)  # fmt: skip
LIMITED_KEYS = {
    Record: _RECORD_TEXTS,
    Plaque: ("number",),
    Survey: ("use", "surveyor", "notes"),
}
MAX_LENGTHS = {key: max_length(model, key) for model, keys in LIMITED_KEYS.items() for key in keys}

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(obj) -> str:
    """One compact, deterministic JSON text (UTF-8 kept readable, no NaN)."""
    return _encoder.encode(obj)


def record_line(record: dict) -> str:
    """An exchange line from a dict already in RECORD_KEYS order."""
    return _encoder.encode(record) + "\n"


# A str as dumps() writes it (ensure_ascii=False): the C escaper dumps() itself calls.
text = encode_basestring


def value(v) -> str:
    """One scalar as dumps() writes it: encode_basestring is the very escaper dumps() uses with
    ensure_ascii=False, and a float is its repr, as in dumps() (NaN and infinities refused)."""
    if v is None:
        return "null"
    if type(v) is str:
        return encode_basestring(v)
    if type(v) is float:
        if not math.isfinite(v):
            raise ValueError("Out of range float values are not JSON compliant")
        return float.__repr__(v)
    return _encoder.encode(v)


def template(keys: tuple[str, ...]) -> str:
    """'{"key":%s,...' for `keys`, to fill with value() of each: no closing brace."""
    return "{" + ",".join(f"{dumps(key)}:%s" for key in keys)
