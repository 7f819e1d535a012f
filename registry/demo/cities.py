"""The real national historic cities (fixtures/national_cities.json) as exchange records."""

import json
from functools import cache
from pathlib import Path

from registry.choices import Kind, Level

from .records import exchange_record

CITIES_FIXTURE = Path(__file__).resolve().parent.parent.parent / "fixtures" / "national_cities.json"


@cache
def national_cities() -> tuple[dict, ...]:
    """Every city of every batch, in the order of the fixture."""
    document = json.loads(CITIES_FIXTURE.read_text(encoding="utf-8"))
    return tuple(city for batch in document["batches"] for city in batch["cities"])


def national_city_records() -> list[dict]:
    """Kind city, level national, the fixture's code. No address or coordinates: the
    fixture has none and a made-up point would pass for a fact about a real place."""
    return [
        exchange_record(
            kind=Kind.CITY.value,
            code=city["code"],
            name=city["name"],
            name_en=city["name_en"],
            level=Level.NATIONAL.value,
            region=city["region"],
            designated_on=city["designated_on"],
        )
        for city in national_cities()
    ]
