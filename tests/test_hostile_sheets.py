"""Hostile spreadsheets against the survey import's reader (registry.services.survey_import):
whatever a file declares, it is read within a fixed memory and time, and answers either its
right rows or a clear ValidationError.

Each file is read in a child process whose address space is limited (RLIMIT_AS) to what the
interpreter holds after Django's setup plus HEADROOM: a reader that pads rows to a declared
dimension, keeps a million empty rows or a whole shared-string table dies there of MemoryError
instead of taking the server's memory with it.
"""

import io
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from registry.services import sheet_rows, survey_import

from .xlsx_builders import HEADER, inline, row, shared_strings, sheet, xlsx

HEADROOM = 300 * 2**20  # bytes above the interpreter's own
SECONDS = 20  # for each file, on a machine shared by several test runs
ROW = ["B0", "2024-05-01", "空置", "差", "住宅", "张三", "无"]

RUNNER = r"""
import json, os, resource, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
from registry.services import survey_import


def read(path, filename):
    # In a forked child, so that one file's MemoryError leaves the next one its own headroom.
    with open("/proc/self/status") as status:
        vm = next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmSize"))
    resource.setrlimit(resource.RLIMIT_AS, (vm + int(sys.argv[1]), resource.RLIM_INFINITY))
    start = time.monotonic()
    outcome = {}
    try:
        with open(path, "rb") as upload:
            rows = survey_import.read_table(upload, filename)
        outcome["rows"] = [[line, {k: v[:40] for k, v in values.items()},
                            {k: len(v) for k, v in values.items()}] for line, values in rows[:3]]
        outcome["count"] = len(rows)
    except ValidationError as error:
        outcome["error"] = " ".join(error.messages)
    except BaseException as error:
        outcome = {"crash": repr(error)[:300]}
    outcome["seconds"] = round(time.monotonic() - start, 2)
    return outcome


results = {}
for name, path, filename in json.loads(sys.argv[2]):
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            text = json.dumps(read(path, filename), ensure_ascii=False)
        except BaseException as error:
            text = json.dumps({"crash": repr(error)[:300]})
        os.write(writer, text.encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        answer = pipe.read()
    _, status = os.waitpid(pid, 0)
    results[name] = json.loads(answer) if answer else {"crash": f"child died: {status}"}
print(json.dumps(results, ensure_ascii=False))
"""


def _repeat(chunk: bytes, times: int, head: bytes = b"", tail: bytes = b""):
    yield head
    block = chunk * 65536
    for _ in range(times // 65536):
        yield block
    yield chunk * (times % 65536)
    yield tail


def _header_and(*rows: str) -> str:
    return row(1, HEADER) + "".join(rows)


def _cases() -> dict[str, tuple[bytes, str]]:
    """name -> (file content, file name)."""
    top = sheet("").split("<sheetData>")[0].encode() + b"<sheetData>" + row(1, HEADER).encode()
    end = b"</sheetData></worksheet>"
    huge_text = 20 * 2**20
    return {
        # The review's file: the whole grid declared, one cell in its last row.
        "declared-dimension": (
            xlsx(sheet(_header_and(row(1_048_576, ROW)), dimension="A1:XFD1048576")),
            "s.xlsx",
        ),
        # A cell in the last column (XFD) of the header and of a data row.
        "last-column": (
            xlsx(
                sheet(
                    row(1, HEADER)[:-6]
                    + inline("XFD1", "x")
                    + "</row>"
                    + row(2, ROW)[:-6]
                    + inline("XFD2", "y")
                    + "</row>",
                    dimension="A1:XFD2",
                )
            ),
            "s.xlsx",
        ),  # fmt: skip
        # Five million empty rows (30 MB of XML in a few kilobytes).
        "empty-rows": (xlsx(_repeat(b"<row/>", 5_000_000, top, end)), "s.xlsx"),
        # One row of three million cells.
        "wide-row": (
            xlsx(_repeat(b"<c/>", 3_000_000, top + b'<row r="2">', b"</row>" + end)),
            "s.xlsx",
        ),
        # 20,000 good rows: the reader stops at the limit + 1.
        "many-rows": (
            xlsx(sheet(_header_and(*(row(i, ROW) for i in range(2, 20_002))))),
            "s.xlsx",
        ),
        # A shared string of 20 MB, used by one cell.
        "huge-shared-string": (
            xlsx(
                sheet(_header_and('<row r="2"><c r="G2" t="s"><v>7</v></c></row>')),
                shared=_repeat(
                    b"a",
                    huge_text,
                    shared_strings(HEADER).replace("</sst>", "<si><t>").encode(),
                    b"</t></si></sst>",
                ),
            ),
            "s.xlsx",
        ),  # fmt: skip
        # One inline string of 300,000 rich-text runs (30 MB of text).
        "many-runs": (
            xlsx(
                _repeat(
                    b"<r><t>" + b"a" * 100 + b"</t></r>",
                    300_000,
                    top + b'<row r="2"><c r="G2" t="inlineStr"><is>',
                    b"</is></c></row>" + end,
                )
            ),
            "s.xlsx",
        ),  # fmt: skip
        # A deflate bomb: blanks inside the sheet, more than an xlsx may unpack.
        "unpacked-bomb": (xlsx(_repeat(b" ", sheet_rows.MAX_UNPACKED + 2**20, top, end)), "s.xlsx"),
        # Five megabytes of empty lines.
        "csv-empty-lines": (
            ",".join(HEADER).encode() + b"\n" * (survey_import.MAX_BYTES - 100),
            "s.csv",
        ),
        # One field of nearly five megabytes.
        "csv-one-field": (
            ",".join(HEADER).encode()
            + b'\nB0,2024-05-01,\xe7\xa9\xba\xe7\xbd\xae,,,,"'
            + b"n" * (survey_import.MAX_BYTES - 200)
            + b'"\n',
            "s.csv",
        ),
        "csv-many-rows": (
            (",".join(HEADER) + "\n" + "B0,2024-05-01,空置,,,,\n" * 200_000).encode()[
                : survey_import.MAX_BYTES
            ],
            "s.csv",
        ),
    }


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sheets")
    files = []
    for name, (content, filename) in _cases().items():
        path = directory / filename.replace("s.", f"{name}.")
        path.write_bytes(content)
        assert len(content) <= survey_import.MAX_BYTES, name  # all pass the upload limit
        files.append((name, str(path), filename))
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(HEADROOM), json.dumps(files)],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=SECONDS * len(files),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _outcome(outcomes, name):
    outcome = outcomes[name]
    assert "crash" not in outcome, outcome  # MemoryError, or any error other than a refusal
    assert outcome["seconds"] < SECONDS, outcome
    return outcome


def test_a_declared_whole_grid_reads_only_the_rows_there_are(outcomes):
    outcome = _outcome(outcomes, "declared-dimension")
    assert outcome.get("count") == 1, outcome
    line, values, _ = outcome["rows"][0]
    assert line == 1_048_576  # the line the spreadsheet shows, for the error messages
    assert values == dict(zip(survey_import.COLUMNS.values(), ROW, strict=True))


def test_a_cell_in_the_last_column_makes_no_wide_rows(outcomes):
    outcome = _outcome(outcomes, "last-column")
    assert outcome.get("count") == 1, outcome
    assert outcome["rows"][0][1] == dict(zip(survey_import.COLUMNS.values(), ROW, strict=True))


@pytest.mark.parametrize(
    "name, message",
    [
        ("empty-rows", "空行"),
        ("wide-row", "单元格"),
        ("many-rows", "一次最多导入 5000 行"),
        ("unpacked-bomb", "解压"),
        ("csv-empty-lines", "空行"),
        ("csv-one-field", "第 2 行"),
        ("csv-many-rows", "一次最多导入 5000 行"),
    ],
)
def test_a_hostile_file_is_refused_quickly_within_bounded_memory(outcomes, name, message):
    outcome = _outcome(outcomes, name)
    assert message in outcome.get("error", ""), outcome


@pytest.mark.parametrize("name", ["huge-shared-string", "many-runs"])
def test_a_huge_text_is_read_no_further_than_the_import_needs(outcomes, name):
    outcome = _outcome(outcomes, name)
    assert outcome.get("count") == 1, outcome
    length = outcome["rows"][0][2]["notes"]
    # Long enough for the row's own check to call it too long, and no longer.
    assert survey_import.LIMITS["notes"] < length < 2 * survey_import.LIMITS["notes"]


class Endless(io.RawIOBase):
    """A 500 MB upload that is never held: read() makes each chunk when asked."""

    def __init__(self, size=500 * 2**20):
        self.left, self.served = size, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.left)
        buffer[:n] = b"a" * n
        self.left -= n
        self.served += n
        return n


def test_an_oversized_upload_is_refused_after_reading_no_more_than_the_limit():
    upload = Endless()
    with pytest.raises(ValidationError, match="5 MB"):
        survey_import.read_table(io.BufferedReader(upload), "s.csv")
    assert upload.served <= survey_import.MAX_BYTES + 1 + io.DEFAULT_BUFFER_SIZE
