"""Small hand-built registries for the indicator tests."""

import datetime
import itertools

from registry.models import Plaque, Record, Survey

_codes = itertools.count(1)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def record(
    kind="building",
    *,
    region="140728",
    level="national",
    designated=None,
    revoked=None,
    code=None,
    archived=None,
) -> Record:
    return Record.objects.create(
        code=code or f"T-{next(_codes)}",
        kind=kind,
        name="测试",
        level=level,
        region_id=region,
        designated_on=day(designated) if designated else None,
        revoked_on=day(revoked) if revoked else None,
        archive_level="brief" if archived else None,
        archive_completed_on=day(archived) if archived else None,
    )


def plaque(rec: Record, installed: str, removed: str | None = None) -> Plaque:
    return Plaque.objects.create(
        record=rec, installed_on=day(installed), removed_on=day(removed) if removed else None
    )


def survey(rec: Record, surveyed: str, occupancy: str, state: str = "approved") -> Survey:
    return Survey.objects.create(
        building=rec, surveyed_on=day(surveyed), occupancy=occupancy, state=state
    )
