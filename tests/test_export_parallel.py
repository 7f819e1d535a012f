"""The fast paths of an export give the very bytes of the plain ones: lines written from the
rows equal the dicts encoded by record_line(), and chunks rendered by worker processes equal
chunks rendered here."""

import json
import math
import random

import pytest

from registry.exchange import writers
from registry.exchange.export import chunk_lines, chunk_records
from registry.exchange.format import dumps, record_line, value
from registry.zones.geometry import to_wkb

from .exchange_helpers import run_export, run_import, write
from .test_export import RICH

TRICKY = ['"', "\\", "\n", "\r\t\b\f", "\x00", "\x01", "\x1f", "\x7f", "\u2028\u2029", "é",
          "张氏宗祠", "𠀋", "😀", "</script>", "'", " ", "", "null", "\ufeff"]  # fmt: skip


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 6)))


def _maybe(rng: random.Random, make):
    return None if rng.random() < 0.3 else make()


def _float(rng: random.Random) -> float:
    return rng.choice([0.0, -0.0, 5e-324, 1e-7, 1e16, 37.201234567, -73.0, 112.1,
                       rng.uniform(-180, 180)])  # fmt: skip


def _list_entry(rng: random.Random, kind: str) -> tuple:
    """era, the two descriptions, the designation's three texts (often all null, or one), the
    archive's level and day (both or neither, and only where a kind has one)."""
    texts = tuple(_maybe(rng, lambda: _text(rng)) for _ in range(3))
    designation = tuple(
        None if rng.random() < 0.5 else _maybe(rng, lambda: _text(rng)) for _ in range(3)
    )
    archive = (None, None)
    if kind in ("district", "building") and rng.random() < 0.5:
        archive = (rng.choice(["brief", "typical", "full"]), "2019-09-09")
    return (*texts, *designation, *archive)


# Stored zones as the chunk query gives them (WKB): one oriented as RFC 7946 asks, one not
# (a database may hold either), a MultiPolygon with a hole and awkward floats.
_SQUARE = [(112.0, 37.0), (112.0, 37.1), (112.1, 37.1), (112.1, 37.0), (112.0, 37.0)]
_HOLE = [(112.02, 37.02), (112.08, 37.02), (112.08, 37.08), (112.02, 37.08), (112.02, 37.02)]
_ODD = [(-0.0, 5e-324), (1e-7, 0.0), (1e-7, 1e-7), (-0.0, 5e-324)]
ZONES = [
    to_wkb("Polygon", [[_SQUARE]]),
    to_wkb("Polygon", [[_SQUARE[::-1], _HOLE[::-1]]]),
    to_wkb("MultiPolygon", [[_SQUARE, _HOLE], [_ODD]]),
]


def _zones(rng: random.Random) -> tuple:
    return tuple(None if rng.random() < 0.7 else rng.choice(ZONES) for _ in range(2))


def _chunk(rng: random.Random, n: int = 300):
    rows, plaques, surveys, parents = [], [], [], {}
    for rid in range(1, n + 1):
        kind = rng.choice(["city", "town", "village", "district", "building"])
        parent = _maybe(rng, lambda: rng.randint(10_000, 10_050))
        if parent is not None:
            parents[parent] = _text(rng) or "P"
        rows.append((
            rid, kind, f"c{rid}", _text(rng), _maybe(rng, lambda: _text(rng)), "national",
            "140781", parent, _maybe(rng, lambda: "2001-01-01"), _maybe(rng, lambda: "2020-02-02"),
            _maybe(rng, lambda: _text(rng)), _maybe(rng, lambda: _float(rng)),
            _maybe(rng, lambda: _float(rng)), *_list_entry(rng, kind), *_zones(rng),
        ))  # fmt: skip
        for _ in range(rng.randint(0, 3)):  # same day twice, numbers missing: the sort decides
            day = rng.choice(["2001-01-01", "2000-05-05"])
            removed = _maybe(rng, lambda: "2010-01-01")
            plaques.append((rid, _maybe(rng, lambda: _text(rng)), day, removed))
        for day in range(rng.randint(0, 3)):
            surveys.append((rid, f"200{day}-01-01", "vacant", _maybe(rng, lambda: "poor"),
                            *(_maybe(rng, lambda: _text(rng)) for _ in range(3))))  # fmt: skip
    rng.shuffle(plaques)  # the plaque query has no ORDER BY
    return rows, plaques, surveys, parents


@pytest.mark.parametrize("seed", range(5))
def test_lines_from_rows_equal_the_encoded_dicts(seed):
    chunk = _chunk(random.Random(seed))
    lines = chunk_lines(chunk)
    assert lines == "".join(map(record_line, chunk_records(chunk)))
    # split on \n only: str.splitlines() would also cut at the U+2028 a line may hold
    assert all(json.loads(line) for line in lines.split("\n")[:-1])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_value_refuses_what_json_cannot_hold_as_dumps_does(bad):
    with pytest.raises(ValueError):
        dumps(bad)
    with pytest.raises(ValueError):
        value(bad)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "geojson"])
def test_workers_write_the_same_bytes(fmt, tmp_path, monkeypatch):
    ok, _, err = run_import(write(tmp_path, "".join(json.dumps(r) + "\n" for r in RICH).encode()))
    assert ok, err
    serial = run_export("--format", fmt)
    # Chunks of one record, all but the first rendered by two workers.
    monkeypatch.setattr("registry.exchange.export.CHUNK", 1)
    monkeypatch.setattr(writers, "SERIAL_CHUNKS", 1)
    monkeypatch.setattr(writers, "_workers", lambda: 2)
    assert run_export("--format", fmt) == serial  # to a text stream: the bytes decoded
    path = tmp_path / f"out.{fmt}"
    run_export("--format", fmt, "--output", str(path))
    assert path.read_bytes() == serial.encode("utf-8")  # to a file: the same bytes


@pytest.mark.django_db(transaction=True)
def test_an_export_reads_one_snapshot(tmp_path, monkeypatch):
    """A record committed by someone else while an export runs is not in that export: every
    chunk is read from the snapshot of the first (registry.db.read_snapshot)."""
    import importlib
    import threading

    from django.apps import apps
    from django.db import connection

    from registry.models import Record

    # Transactional tests flush every table, the regions of migration 0002 included.
    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    ok, _, err = run_import(write(tmp_path, "".join(json.dumps(r) + "\n" for r in RICH).encode()))
    assert ok, err
    before = run_export()
    if connection.vendor == "sqlite":
        # Tests share one in-memory SQLite cache: no second connection has its own snapshot.
        # The export still runs through its read transaction (BEGIN DEFERRED … COMMIT).
        assert before.count("\n") == len(RICH)
        return

    def save_elsewhere():
        Record.objects.create(code="zz-late", kind="city", name="后来", level="national",
                              region_id="140781")  # fmt: skip
        connection.close()

    real = writers.iter_chunks

    def chunks_with_a_write_between(**filters):
        for n, chunk in enumerate(real(**filters)):
            yield chunk
            if n == 0:  # after the first chunk, another connection commits a record
                thread = threading.Thread(target=save_elsewhere)
                thread.start()
                thread.join()

    monkeypatch.setattr("registry.exchange.export.CHUNK", 2)
    monkeypatch.setattr(writers, "iter_chunks", chunks_with_a_write_between)
    assert run_export() == before
    monkeypatch.setattr(writers, "iter_chunks", real)
    assert '"zz-late"' in run_export()
