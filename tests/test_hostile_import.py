"""Hostile import files: each gives a clear `line N: key: reason`, writes nothing, and never a
traceback; a registry that already holds records is left exactly as it was."""

import json

import pytest

from registry.exchange import blocks
from registry.models import Plaque, Record, Survey

from .exchange_helpers import building, city, district, jsonl, run_import, write

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(Record.objects.values_list("code", "name", "parent__code", "updated_at")),
        Plaque.objects.count(),
        Survey.objects.count(),
    )


@pytest.fixture
def registry_before(tmp_path):
    ok, _, err = run_import(write(tmp_path, jsonl(city(), district(), building()), "seed.jsonl"))
    assert ok, err
    return snapshot()


def refused(tmp_path, content: bytes, expected: str, before):
    ok, _, err = run_import(write(tmp_path, content))
    assert not ok
    assert expected in err, err
    assert "Traceback" not in err
    assert snapshot() == before
    return err


@pytest.mark.slow
def test_a_real_13_mb_line_through_the_command(tmp_path, registry_before):
    assert blocks.MAX_LINE_BYTES < 13 * 1024 * 1024  # the real limit, not a lowered one
    huge = city("C9", name="名" * (13 * 1024 * 1024 // 3 + 1))
    content = jsonl(city("C2"), huge, city("C3"))
    assert len(content) > 13 * 1024 * 1024
    err = refused(
        tmp_path,
        content,
        f"line 2: -: line longer than {blocks.MAX_LINE_BYTES} bytes",
        registry_before,
    )
    assert "line 1" not in err and "line 3" not in err


@pytest.mark.slow
def test_a_13_mb_file_with_no_newline_at_all(tmp_path, registry_before):
    refused(tmp_path, b"x" * (13 * 1024 * 1024), "line 1: -: line longer than", registry_before)


@pytest.mark.parametrize("depth", [100, 5_000, 200_000])
def test_deeply_nested_json(tmp_path, registry_before, depth):
    nested = "[" * depth + "]" * depth
    line = json.dumps(city("C2"), ensure_ascii=False)[:-1] + f', "name_en": {nested}}}'
    refused(tmp_path, jsonl(line), "line 1: ", registry_before)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # JSON escapes that decode to text PostgreSQL (or UTF-8) cannot store.
        (jsonl(city("C2", name="平\x00遥")), "line 1: name: "),
        (b'{"kind": "city", "code": "C2", "name": "\\ud800", "level": "national", '
         b'"region": "140728", "designated_on": "1986-12-08"}\n', "line 1: name: "),
        # Cut in the middle of a multi-byte character, and in the middle of a line.
        (jsonl(city("C2"))[:-1] + "平".encode()[:2], "line 1: -: "),
        (jsonl(city("C2"), city("C3"))[:-30], "line 2: -: invalid JSON"),
        # GBK throughout, a BOM, UTF-16, raw NUL bytes, binary junk.
        # (GBK of 平遥 happens to be valid UTF-8 too, and would pass as mojibake: no check on
        # bytes can tell; 历史 is not.)
        (jsonl(city("C2", name="历史")).decode().encode("gbk"), "line 1: -: not UTF-8"),
        (b"\xef\xbb\xbf" + jsonl(city("C2")), "line 1: -: byte-order mark"),
        (jsonl(city("C2")).decode().encode("utf-16"), "line 1: -: "),
        (b"\x00" * 1000 + b"\n", "line 1: -: "),
        (bytes(range(256)) * 10, "line 1: -: "),
        # Valid JSON that is not a record.
        (b"[]\n", "line 1: -: "),
        (b"null\n", "line 1: -: "),
        (b'"text"\n', "line 1: -: "),
        (b'{"kind": "city", "code": "C2", "code": "C3"}\n', "line 1: "),
        (b"1e999999\n", "line 1: -: "),
    ],
    ids=[
        "nul-escape", "lone-surrogate", "cut-multibyte", "truncated", "gbk", "bom", "utf16",
        "nul-bytes", "binary", "array", "null", "string", "duplicate-key", "huge-number",
    ],
)  # fmt: skip
def test_broken_content_is_refused_cleanly(tmp_path, registry_before, content, expected):
    refused(tmp_path, content, expected, registry_before)


def test_an_empty_file_changes_nothing(tmp_path, registry_before):
    ok, _, err = run_import(write(tmp_path, b""))
    assert "Traceback" not in err
    assert snapshot() == registry_before
