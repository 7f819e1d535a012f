"""The real national historic cities (fixtures/national_cities.json) as exchange records.

Everything said about a real city comes from a public source named in a fixture, never from
the generator: the designation from the fixture's explicit fields (each checked against its
batch's or city's `source` text by tests/test_demo_cities.py), the point from the seat of
the city's region in fixtures/region_seats.json (cpca's table). A city whose region the
table lacks gets no point (`cities_without_seat`).
"""

import json
from functools import cache
from pathlib import Path

from registry.choices import Kind, Level

from .content import designation_object
from .geography import seats
from .records import exchange_record

CITIES_FIXTURE = Path(__file__).resolve().parent.parent.parent / "fixtures" / "national_cities.json"


@cache
def national_cities() -> tuple[dict, ...]:
    """Every city of every batch, in the order of the fixture, with its designation: the
    batch's label, document and authority; a later addition's own document (its batch has
    no label: each was approved on its own)."""
    document = json.loads(CITIES_FIXTURE.read_text(encoding="utf-8"))
    cities = []
    for batch in document["batches"]:
        for city in batch["cities"]:
            own = "designation_document" in city
            cities.append(
                {
                    **city,
                    "designation_batch": batch["designation_batch"],
                    "designation_document": city["designation_document"]
                    if own
                    else batch["designation_document"],
                    "designation_authority": batch["designation_authority"],
                }
            )
    return tuple(cities)


def cities_without_seat() -> list[dict]:
    """The cities that get no point: their region is not in the packaged seat table."""
    return [city for city in national_cities() if city["region"] not in seats()]


def national_city_records() -> list[dict]:
    """Kind city, level national, the fixture's code, designation and the seat's point."""
    records = []
    for city in national_cities():
        lat, lon = seats().get(city["region"], (None, None))
        records.append(
            exchange_record(
                kind=Kind.CITY.value,
                code=city["code"],
                name=city["name"],
                name_en=city["name_en"],
                level=Level.NATIONAL.value,
                region=city["region"],
                designated_on=city["designated_on"],
                lat=lat,
                lon=lon,
                designation=designation_object(
                    city["designation_batch"],
                    city["designation_document"],
                    city["designation_authority"],
                ),
            )
        )
    return records
