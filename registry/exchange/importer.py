"""Import an exchange file (exchange.md): stream, validate every line, then merge all or nothing."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.db import transaction
from django.db.models.expressions import RawSQL

from registry.models import Record, Region
from registry.services import indicator_state

from .staging import PLAQUE_COLUMNS, RECORD_COLUMNS, SURVEY_COLUMNS, Staging
from .validate import LineErrors, decode_line, parse_record

# A record with decades of surveys is a few KiB; a line this long is a broken file, and
# reading on would only fill memory.
MAX_LINE_BYTES = 2 * 1024 * 1024
BATCH = 5000
TOUCHED = "SELECT rec_id FROM imp_record WHERE touched = 1"

Error = tuple[int, str, str]


class ImportFailed(Exception):
    """Nothing was written. `errors` lists every invalid line found: (line, key, reason)."""

    def __init__(self, errors: list[Error]):
        self.errors = sorted(errors)
        lines = len({line for line, _, _ in self.errors})
        super().__init__(f"{lines} invalid line(s); nothing was imported")


@dataclass
class ImportResult:
    lines: int
    records: int
    created: int
    updated: int
    unchanged: int
    plaques: int
    surveys: int
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
            errors, counts, invalid_codes = _stage(stream, writer, regions, progress)
        staging.index()
        lap("stage")
        with transaction.atomic():
            # Cross-line rules are checked inside the merge transaction, so the registry
            # cannot change between the check and the write.
            errors.extend(staging.check(invalid_codes=invalid_codes))
            if errors:
                raise ImportFailed(errors)
            lap("check")
            merged = staging.merge()
            lap("merge")
            # Raw SQL sends no signals: the indicator state is refreshed here, in the same
            # transaction, for exactly the records this import created or changed.
            if merged.pop("was_empty"):
                indicator_state.refresh()
            elif merged["created"] or merged["updated"]:
                indicator_state.refresh(Record.objects.filter(id__in=RawSQL(TOUCHED, [])))
            lap("indicators")
        lap("commit")
    finally:
        staging.drop()
    return ImportResult(
        lines=counts["lines"], plaques=counts["plaques"], surveys=counts["surveys"],
        seconds=time.perf_counter() - started, phases=phases, **merged,
    )  # fmt: skip


def _stage(stream, writer, regions, progress):
    """Validate line by line into the staging tables; returns the errors, the counts and the
    codes of invalid lines (their children are not blamed for a missing parent)."""
    errors: list[Error] = []
    invalid_codes: set[str] = set()
    records: list[tuple] = []
    plaques: list[tuple] = []
    surveys: list[tuple] = []
    counts = {"lines": 0, "plaques": 0, "surveys": 0}
    consumed = 0

    def flush():
        writer.write("imp_record", RECORD_COLUMNS, records)
        writer.write("imp_plaque", PLAQUE_COLUMNS, plaques)
        writer.write("imp_survey", SURVEY_COLUMNS, surveys)
        counts["plaques"] += len(plaques)
        counts["surveys"] += len(surveys)
        records.clear()
        plaques.clear()
        surveys.clear()
        if progress:
            progress(consumed)

    for line, raw, size in _lines(stream):
        consumed += size
        counts["lines"] = line
        if raw is None:
            errors.append((line, "-", f"line longer than {MAX_LINE_BYTES} bytes"))
            continue
        if raw.isspace():
            continue
        line_errors = LineErrors(line)
        obj = decode_line(raw, line, line_errors)
        parsed = parse_record(obj, line_errors, regions) if obj is not None else None
        if line_errors:
            errors.extend(line_errors)
            if obj is not None and isinstance(obj.get("code"), str):
                invalid_codes.add(obj["code"])
            continue
        records.append(parsed.record)
        plaques.extend(parsed.plaques)
        surveys.extend(parsed.surveys)
        if len(records) >= BATCH:
            flush()
    flush()
    return errors, counts, invalid_codes


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, bytes or None when too long, bytes consumed), never holding more than
    MAX_LINE_BYTES of one line in memory."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        size = len(raw)
        if size > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE_BYTES)
                size += len(raw)
            yield number, None, size
            continue
        yield number, raw, size
