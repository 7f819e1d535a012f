"""What every spreadsheet the registry reads or writes holds to, so that a cell never runs as a
formula in someone's spreadsheet program: text starting with one of FORMULA_PREFIXES is refused
on the way in (the survey import) and neutralised on the way out (the CSV export, the indicator
downloads), and an xlsx text cell is written as text, whatever it starts with."""

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# = + - @ start a formula; tab and carriage return too, as OWASP's CSV-injection advice lists.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def text_cell(sheet, value) -> WriteOnlyCell:
    """An xlsx cell that stays text: openpyxl would store "=..." as a formula. The control
    characters XML 1.0 cannot hold (a name may carry one: only NUL is refused on the way in)
    become U+FFFD: openpyxl would raise on them after most of a download had been built."""
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value)))
    cell.data_type = "s"
    return cell
