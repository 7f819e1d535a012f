"""Import an exchange file (exchange.md): stream, validate every line, then merge all or nothing."""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.db.models.expressions import RawSQL

from registry.models import Photo, Record, Region
from registry.services import derived

from .blocks import validated_blocks
from .staging import DETACHED, PLAQUE_COLUMNS, RECORD_COLUMNS, SURVEY_COLUMNS, Staging

TOUCHED = "SELECT rec_id FROM imp_record WHERE touched = 1"

Error = tuple[int, str, str]


class ImportFailed(Exception):
    """Nothing was written. `errors` lists every invalid line found: (line, key, reason);
    or, with no line to blame, `reason` says why."""

    def __init__(self, errors: list[Error], reason: str | None = None):
        self.errors = sorted(errors)
        lines = len({line for line, _, _ in self.errors})
        super().__init__(f"{reason or f'{lines} invalid line(s)'}; nothing was imported")


@dataclass
class ImportResult:
    lines: int
    records: int
    created: int
    updated: int
    unchanged: int
    plaques: int
    surveys: int
    photos_detached: int  # photos of replaced surveys, kept on their records
    seconds: float
    phases: dict[str, float]  # wall seconds of stage / check / merge / commit, for the benchmark


def import_file(stream: BinaryIO, *, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Upsert every record of `stream` by code, or raise ImportFailed and change nothing."""
    started = time.perf_counter()
    regions = frozenset(Region.objects.values_list("code", flat=True))
    staging = Staging()
    staging.create()
    phases = {}
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        phases[name] = now - clock
        clock = now

    try:
        with staging.loading() as writer:
            errors, counts, invalid_lines = _stage(stream, writer, regions, progress)
        staging.index()
        lap("stage")
        merged = _merge(staging, errors, invalid_lines, lap)
        lap("commit")
    finally:
        staging.drop()
    return ImportResult(
        lines=counts["lines"], plaques=counts["plaques"], surveys=counts["surveys"],
        seconds=time.perf_counter() - started, phases=phases, **merged,
    )  # fmt: skip


def _merge(staging: Staging, errors: list[Error], invalid_lines, lap) -> dict[str, int]:
    """Check the cross-line rules and merge, in one transaction."""
    try:
        with transaction.atomic():
            # Cross-line rules are checked inside the merge transaction, so the registry
            # cannot change between the check and the write.
            errors.extend(staging.check(invalid_lines))
            if errors:
                raise ImportFailed(errors)
            lap("check")
            merged = staging.merge()
            lap("merge")
            # Raw SQL sends no signals: the derived state (indicators, search) is refreshed
            # here, in the same transaction, for exactly the records created or changed.
            was_empty = merged.pop("was_empty")
            touched = None if was_empty else Record.objects.filter(id__in=RawSQL(TOUCHED, []))
            if was_empty or merged["created"] or merged["updated"]:
                # Every record the import created or changed is on record, with its values,
                # and so is every photo it detached from a replaced survey.
                logged = [(Record, TOUCHED, [])]
                if merged["photos_detached"]:
                    logged.append((Photo, DETACHED, []))
                derived.written(touched, logged=logged, lap=lap)
    except IntegrityError as refused:
        # The file's own rules were all checked above, so this is a rule of the registry's
        # the merge does not know of (a row that points at one it replaced: foreign keys are
        # checked at commit on both engines). The transaction is rolled back: nothing changed.
        reason = (str(refused).strip().splitlines() or ["?"])[0]
        raise ImportFailed([], f"the database refused the merge ({reason})") from refused
    return merged


def _stage(stream, writer, regions, progress):
    """Validate block by block into the staging tables; returns the errors, the counts and the
    (line, code) of invalid lines (for the duplicate and parent rules)."""
    errors: list[Error] = []
    invalid_lines: list[tuple[int, str]] = []
    counts = {"lines": 0, "plaques": 0, "surveys": 0}
    consumed = 0
    for records, plaques, surveys, block_errors, invalid, last, size in validated_blocks(
        stream, regions, size=_size(stream)
    ):
        writer.write("imp_record", RECORD_COLUMNS, records)
        writer.write("imp_plaque", PLAQUE_COLUMNS, plaques)
        writer.write("imp_survey", SURVEY_COLUMNS, surveys)
        counts["lines"] = last
        counts["plaques"] += len(plaques)
        counts["surveys"] += len(surveys)
        errors.extend(block_errors)
        invalid_lines.extend(invalid)
        consumed += size
        if progress:
            progress(consumed)
    return errors, counts, invalid_lines


def _size(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):  # a pipe or an in-memory stream
        return None
