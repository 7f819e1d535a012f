"""The rows of an uploaded spreadsheet (xlsx or csv), read within fixed bounds whatever the file
declares. Used by the survey import (registry.services.survey_import).

The first row is the header. The caller picks the columns it reads from it; only those are read
from the other rows, a row is blank when all of them are, and reading stops at the first
non-blank row beyond `max_rows`. At most MAX_LINES rows are looked at, blank ones included, so
a file of empty lines cannot keep the reader busy either.

An xlsx is not read with openpyxl, whose read-only mode pads every row to the dimension the
sheet declares (a 1.5 KB file declaring A1:XFD1048576 fills gigabytes), builds each row whole,
every cell of it, before handing it over, and loads the whole shared-string table. Here each
XML part is streamed through expat: no tree, no padding, the sheet read twice (its header, then
the picked columns of its rows), only the shared strings those use kept, each text cut at
`max_text`; what a file may unpack (MAX_UNPACKED bytes) and hold (MAX_ELEMENTS elements) is
counted over all parts, so that neither a deflate bomb nor millions of empty cells get further.
"""

import csv
import datetime
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from xml.parsers import expat

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

MAX_LINES = 100_000  # rows looked at, blank ones included
MAX_UNPACKED = 100 * 2**20  # bytes of XML an xlsx may unpack, all parts and passes together
MAX_ELEMENTS = 1_000_000  # XML elements, likewise (a cell is one to three)
MAX_COLUMNS = 16_384  # Excel's last column, XFD
HEADER_TEXT = 200  # characters of a header cell read
CHUNK = 64 * 1024
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")

# pick(header) -> the header's column numbers (0-based) to read, in the order wanted; the
# header is None when the file has no row at all.
Pick = Callable[[list[str] | None], list[int]]


class TooManyRows(ValidationError):
    """More non-blank rows than the caller takes: said in the caller's words."""


def read(data: bytes, filename: str, pick: Pick, *, max_rows: int, max_text: int) -> list:
    """[(line, [value of each picked column])] of the non-blank rows after the header, lines
    numbered as the spreadsheet numbers them; a value is text, a number, a date or None.
    ValidationError if the file cannot be read or breaks a bound, TooManyRows past max_rows."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _Xlsx(data, max_text).rows(pick, max_rows)
    if name.endswith(".csv"):
        return _csv_rows(data, pick, max_rows, max_text)
    raise ValidationError(_("只接受 .xlsx 或 .csv 文件。"))


def _too_many_lines() -> ValidationError:
    return ValidationError(
        _("表格的行数（连同空行）超过 %(n)s 行，请删去多余的空行。") % {"n": MAX_LINES}
    )


def _blank(values: list) -> bool:
    return all(v is None or v == "" for v in values)


# CSV


def _csv_rows(data: bytes, pick: Pick, max_rows: int, max_text: int) -> list:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("无法识别 CSV 文件的编码。"))
    # A line is a record, as a spreadsheet numbers it (a quoted field may hold line breaks).
    records = enumerate(csv.reader(io.StringIO(text)), start=1)
    rows, columns, line = [], None, 0
    try:
        for line, values in records:
            if line > MAX_LINES:
                raise _too_many_lines()
            if columns is None:
                columns = pick([v.strip() for v in values[:MAX_COLUMNS]])
                continue
            picked = [values[i][:max_text] if i < len(values) else None for i in columns]
            if not _blank(picked):
                rows.append((line, picked))
                if len(rows) > max_rows:
                    raise TooManyRows("")
    except csv.Error as error:  # a field longer than the csv module's limit (131,072)
        raise ValidationError(
            _("第 %(line)s 行无法读取：%(reason)s") % {"line": line + 1, "reason": error}
        ) from None
    if columns is None:
        pick(None)
    return rows


# XLSX


@dataclass
class _Budget:
    """What the whole file may still unpack and hold, over every part and pass."""

    unpacked: int = MAX_UNPACKED
    elements: int = MAX_ELEMENTS

    def spend_bytes(self, n: int) -> None:
        self.unpacked -= n
        if self.unpacked < 0:
            raise ValidationError(
                _("xlsx 文件解压后超过 %(n)s MB，无法读取。") % {"n": MAX_UNPACKED >> 20}
            )

    def too_many_elements(self) -> ValidationError:
        return ValidationError(
            _("xlsx 文件的单元格过多（连同其他元素超过 %(n)s 个），无法读取。")
            % {"n": MAX_ELEMENTS}
        )


class _Stop(Exception):
    """Raised by a handler when it has read what it needs."""


def _refuse_doctype(*_args) -> None:
    # No spreadsheet has a DTD: refusing one leaves no entity to expand.
    raise ValueError("a DTD in an xlsx part")


class _Text:
    """The character data of one value (a cell's, a shared string's), from the elements switched
    on, kept up to `limit` characters: runs of rich text add up, the rest is dropped unread."""

    def __init__(self, limit: int):
        self.limit = limit
        self.begin()

    def begin(self) -> None:
        self.parts, self.size, self.on = [], 0, False

    def add(self, data: str) -> None:
        if self.on and self.size < self.limit:
            self.parts.append(data[: self.limit - self.size])
            self.size += len(self.parts[-1])

    def value(self) -> str:
        return "".join(self.parts)


@dataclass(frozen=True)
class _Shared:
    """A cell's reference to the shared-string table, resolved after the sheet is read."""

    index: int


class _Xlsx:
    def __init__(self, data: bytes, max_text: int):
        self.max_text = max_text
        self.budget = _Budget()
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self._locate()
        except ValidationError:
            raise
        except _UNREADABLE as error:
            raise ValidationError(_("无法读取此 xlsx 文件。")) from error

    def rows(self, pick: Pick, max_rows: int) -> list:
        try:
            first = self._sheet(None, 1, 1)
            if first is None:  # not a row: the caller says what an empty file is
                pick(None)
                return []
            header = first[0][1] if first else []
            self._resolve([header], HEADER_TEXT)
            columns = pick([_text(v) for v in header])
            rows = self._sheet(columns, max_rows, 2)
            self._resolve([values for _line, values in rows], self.max_text)
            return rows
        except ValidationError:
            raise
        except _UNREADABLE as error:
            raise ValidationError(_("无法读取此 xlsx 文件。")) from error

    # Parts

    def _parse(self, path: str, start, end=None, text=None) -> None:
        """Stream the part at `path` through expat; a handler ends it early with _Stop."""
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = _refuse_doctype
        # Per element, the least work: a countdown and a cached local name ("ns c" -> "c").
        names: dict[str, str] = {}
        left = self.budget.elements

        def on_start(name, attrs):
            nonlocal left
            left -= 1
            if left < 0:
                raise self.budget.too_many_elements()
            tag = names.get(name)
            if tag is None:
                tag = names[name] = name[name.rfind(" ") + 1 :]
            start(tag, attrs)

        parser.StartElementHandler = on_start
        if end is not None:
            parser.EndElementHandler = lambda name: end(names[name])
        if text is not None:
            parser.CharacterDataHandler = text
        try:
            with self.zip.open(path) as stream:
                while chunk := stream.read(CHUNK):
                    self.budget.spend_bytes(len(chunk))
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Stop:
            pass
        finally:
            self.budget.elements = left

    def _relations(self, part: str) -> dict[str, tuple[str, str]]:
        """Id -> (type, path) of a part's relationships."""
        folder, name = posixpath.split(part)
        found = {}

        def start(tag, attrs):
            if tag == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
                found[attrs.get("Id")] = (attrs.get("Type", ""), posixpath.normpath(path))

        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels in self.zip.NameToInfo:
            self._parse(rels, start)
        return found

    def _locate(self) -> None:
        """The first worksheet, the shared strings, the date styles and the epoch."""
        package = self._relations("")
        workbook = next(
            (p for t, p in package.values() if t.endswith("/officeDocument")), "xl/workbook.xml"
        )
        relations = self._relations(workbook)
        sheets, self.date1904 = [], False

        def start(tag, attrs):
            if tag == "sheet":
                sheets.append(attrs.get(f"{REL} id"))
            elif tag == "workbookPr":
                self.date1904 = attrs.get("date1904") in ("1", "true")

        self._parse(workbook, start)
        worksheets = [
            relations[s][1]
            for s in sheets
            if s in relations and relations[s][0].endswith("/worksheet")
        ]
        if not worksheets:
            raise ValueError("no worksheet")
        self.sheet = worksheets[0]
        by_type = {t.rsplit("/", 1)[-1]: p for t, p in relations.values()}
        self.shared = by_type.get("sharedStrings")
        self.date_styles = self._date_styles(by_type.get("styles"))

    def _date_styles(self, path: str | None) -> frozenset[int]:
        """The cell styles (their index in cellXfs) that show a number as a date."""
        if path is None or path not in self.zip.NameToInfo:
            return frozenset()
        formats, styles, inside = dict(BUILTIN_FORMATS), [], []

        def start(tag, attrs):
            if tag == "numFmt":
                formats[int(attrs.get("numFmtId", -1))] = attrs.get("formatCode", "")
            elif tag == "xf" and inside and inside[-1] == "cellXfs":
                styles.append(int(attrs.get("numFmtId", 0)))
            inside.append(tag)

        self._parse(path, start, lambda tag: inside.pop())
        return frozenset(
            i for i, f in enumerate(styles)
            if is_date_format(formats.get(f) or "") and not is_timedelta_format(formats.get(f))
        )  # fmt: skip

    # The sheet

    def _sheet(self, columns: list[int] | None, max_rows: int, first: int) -> list | None:
        """The rows from the `first` row element on (the header is the first); of each, the
        cells of `columns` (None: every column), for the non-blank ones. None: no row at all."""
        wanted = None if columns is None else {c + 1: i for i, c in enumerate(columns)}
        width = 0 if columns is None else len(columns)
        rows, text = [], _Text(HEADER_TEXT if columns is None else self.max_text)
        at = {"row": 0, "line": 0, "column": 0}
        cell: dict = {}  # the cell being read, when it is one of the columns read
        values: list = []

        def start(tag, attrs):
            nonlocal values
            if tag == "row":
                at["row"] += 1
                if at["row"] > MAX_LINES:
                    raise _too_many_lines()
                at["line"] = int(attrs["r"]) if "r" in attrs else at["line"] + 1
                at["column"] = 0
                values = [None] * width
            elif tag == "c":
                ref = attrs.get("r")
                column = at["column"] = _column(ref) if ref else at["column"] + 1
                cell.clear()
                if at["row"] >= first and (
                    column <= MAX_COLUMNS if wanted is None else column in wanted
                ):
                    cell.update(t=attrs.get("t", "n"), s=attrs.get("s"), formula=False)
            elif not cell:
                return
            elif tag in ("v", "f", "is"):
                text.begin()
                text.on = tag != "is"
                cell["formula"] |= tag == "f"
            elif tag == "t":
                text.on = not cell.get("phonetic")
            elif tag == "rPh":
                cell["phonetic"] = True  # the reading aid of East Asian text, not its text

        def end(tag):
            if tag == "row":
                if at["row"] >= first:
                    row_done()
            elif not cell:
                return
            elif tag in ("v", "f", "is"):
                cell[tag] = text.value()
                text.on = False
            elif tag == "t":
                text.on = False
            elif tag == "rPh":
                cell["phonetic"] = False
            elif tag == "c":
                value = self._value(cell)
                cell.clear()
                if wanted is None:
                    values.extend([None] * (at["column"] - len(values)))
                    values[at["column"] - 1] = value
                else:
                    values[wanted[at["column"]]] = value

        def row_done():
            if not _blank(values):
                rows.append((at["line"], values))
                if len(rows) > max_rows:
                    raise TooManyRows("")
            if columns is None:
                raise _Stop  # the header is the first row

        self._parse(self.sheet, start, end, text.add)
        return None if at["row"] == 0 else rows

    def _value(self, cell: dict):
        kind, raw = cell["t"], cell.get("v")
        if cell["formula"]:
            return "=" + cell.get("f", "")  # refused by the import: never run, never stored
        if kind == "inlineStr":
            return _unescape(cell.get("is", ""))
        if raw is None:
            return None
        if kind == "s":
            return _Shared(int(raw))
        if kind in ("str", "e"):
            return _unescape(raw)
        if kind == "b":
            return raw in ("1", "true")
        if kind == "d":
            return datetime.datetime.fromisoformat(raw.rstrip("Z"))
        number = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if cell.get("s") and int(cell["s"]) in self.date_styles:
            epoch = MAC_EPOCH if self.date1904 else WINDOWS_EPOCH
            return from_excel(number, epoch)
        return number

    def _resolve(self, rows: list[list], limit: int) -> None:
        """Replace the shared-string references in `rows` by their text (cut at `limit`),
        reading the table only as far as the last one used."""
        wanted = {v.index for values in rows for v in values if isinstance(v, _Shared)}
        if not wanted:
            return
        if self.shared is None:
            raise ValueError("shared strings used, but there are none")
        found, text, last = {}, _Text(limit), max(wanted)
        at = {"index": -1, "phonetic": False}

        def start(tag, attrs):
            if tag == "si":
                at["index"] += 1
                text.begin()
            elif tag == "t" and at["index"] in wanted and not at["phonetic"]:
                text.on = True
            elif tag == "rPh":
                text.on, at["phonetic"] = False, True  # a reading aid, not the text

        def end(tag):
            if tag == "t":
                text.on = False
            elif tag == "rPh":
                at["phonetic"] = False
            elif tag == "si" and at["index"] in wanted:
                found[at["index"]] = text.value()
                if at["index"] >= last:
                    raise _Stop

        self._parse(self.shared, start, end, text.add)
        for values in rows:
            for i, v in enumerate(values):
                if isinstance(v, _Shared):
                    values[i] = _unescape(found[v.index])  # KeyError: no such string


def _column(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    return column_index_from_string(letters) if letters else 0


def _unescape(text: str) -> str:
    """OOXML writes the characters XML cannot hold as _xHHHH_ (and a literal `_x` as _x005F_x):
    read them back as Excel does, so that what is checked is what the surveyor's cell holds."""
    return ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _text(value) -> str:
    return "" if value is None else str(value).strip()


_UNREADABLE = (
    zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, IndexError, ValueError, OSError,
    EOFError, RuntimeError, NotImplementedError, OverflowError, zlib.error, expat.ExpatError,
)  # fmt: skip
