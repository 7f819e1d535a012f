"""The exchange format's fixed shapes (exchange.md): key order, enumerations, JSON encoding.

Both the importer and the exporter read from here, so a round trip cannot drift.
"""

import json

RECORD_KEYS = (
    "kind", "code", "name", "name_en", "level", "region", "parent", "designated_on",
    "revoked_on", "address", "lat", "lon", "plaques", "surveys",
)  # fmt: skip
PLAQUE_KEYS = ("number", "installed_on", "removed_on")
SURVEY_KEYS = ("surveyed_on", "occupancy", "condition", "use", "surveyor", "notes")

# Field lengths the database holds; the spec gives only the name's (1-200).
MAX_LENGTHS = {
    "name": 200, "name_en": 200, "address": 500, "number": 100, "use": 200, "surveyor": 200,
    "notes": 20000,
}  # fmt: skip

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(obj) -> str:
    """One compact, deterministic JSON text (UTF-8 kept readable, no NaN)."""
    return _encoder.encode(obj)


def record_line(record: dict) -> str:
    """An exchange line from a dict already in RECORD_KEYS order."""
    return _encoder.encode(record) + "\n"
