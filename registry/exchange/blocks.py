"""Reading and validating an exchange file in blocks of lines, on every core.

Validation is pure Python and the slowest part of an import, so on a large file the blocks are
validated by worker processes while this process writes the previous blocks to the staging
tables. Workers never touch the database; they get bytes and give back rows (marshal: the rows
are plain tuples of str / int / float / bytes (a zone's WKB) / None, which marshal moves several
times faster than pickle). At most a few blocks are in flight, so memory stays bounded whatever
the file size.
"""

import marshal
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from typing import BinaryIO

from .validate import LineErrors, decode_line, parse_record

# A record with decades of surveys is a few KiB, but two zones of 100,000 positions each
# (exchange.md, Geometry) written at full precision ("[-179.12345678901234,-89.12345678901234],"
# is 42 bytes) make 8.4 MB: a line longer than this is a broken file, and reading on would
# only fill memory.
MAX_LINE_BYTES = 12 * 1024 * 1024
BLOCK_LINES = 2000
# ...and a block ends sooner when its lines hold this much: with lines of up to MAX_LINE_BYTES
# (zones), 2,000 of them would be gigabytes in flight (IN_FLIGHT blocks per worker).
BLOCK_BYTES = 16 * 1024 * 1024
# Below this a worker pool costs more than it saves.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
IN_FLIGHT = 4

# (records, plaques, surveys, errors, (line, code) of invalid lines, last line number, bytes
# consumed)
Block = tuple[list, list, list, list, list, int, int]


def read_blocks(stream: BinaryIO) -> Iterator[tuple[int, list[bytes | None], int]]:
    """(first line number, lines, bytes consumed); an overlong line comes as None, skipped
    without ever holding more than MAX_LINE_BYTES of it."""
    number, lines, consumed = 0, [], 0
    limit = MAX_LINE_BYTES  # read once: tests lower it
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            break
        number += 1
        consumed += len(raw)
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(limit)
                consumed += len(raw)
            raw = None
        lines.append(raw)
        if len(lines) >= BLOCK_LINES or consumed >= BLOCK_BYTES:
            yield number - len(lines) + 1, lines, consumed
            lines, consumed = [], 0
    if lines:
        yield number - len(lines) + 1, lines, consumed


def validate_block(first: int, lines: list, consumed: int, regions: frozenset) -> Block:
    records, plaques, surveys, errors, invalid = [], [], [], [], []
    for line, raw in enumerate(lines, first):
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
                invalid.append((line, obj["code"]))
            continue
        records.append(parsed.record)
        plaques.extend(parsed.plaques)
        surveys.extend(parsed.surveys)
    return records, plaques, surveys, errors, invalid, first + len(lines) - 1, consumed


_worker_regions: frozenset = frozenset()


def _init_worker(regions: frozenset) -> None:
    global _worker_regions
    _worker_regions = regions


def _validate_in_worker(first: int, lines: list, consumed: int) -> bytes:
    return marshal.dumps(validate_block(first, lines, consumed, _worker_regions))


def validated_blocks(stream: BinaryIO, regions: frozenset, *, size: int | None) -> Iterator[Block]:
    """Validated blocks in file order: in worker processes for a large file on a machine with
    more than one core, in this process otherwise."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or size is None or size < PARALLEL_MIN_BYTES:
        for block in read_blocks(stream):
            yield validate_block(*block, regions)
        return
    # fork: the workers inherit the code and the region list; they never use the database
    # connection they inherit.
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_init_worker, initargs=(regions,)) as pool:
        pending: deque = deque()
        for block in read_blocks(stream):
            pending.append(pool.apply_async(_validate_in_worker, block))
            if len(pending) >= IN_FLIGHT * workers:
                yield marshal.loads(pending.popleft().get())
        while pending:
            yield marshal.loads(pending.popleft().get())
