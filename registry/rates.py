"""How a rate (indicators.md: a number in [0, 1], never rounded in the data) is shown to people:
on the report page, in its charts' tooltips (static/js/indicator-charts.js repeats it), in the
downloads and in the terminal table. One rule for all of them, so that a figure pasted from a
download reads exactly as on the page.

Rounded DOWN, never to nearest: a coverage of 0.99996 must not read "100.00%" beside "target not
met", nor a vacancy of 0.09996 "10.00%" beside "target met" (the targets are exactly 100 % and
below 10 %)."""

from decimal import ROUND_FLOOR, Decimal

# The decimal places of a rate as shown: 0.9864, i.e. two decimals of a percent, 98.64%.
RATE_PLACES = 4
PERCENT_FORMAT = "0.00%"  # the spreadsheet number format showing RATE_PLACES as a percent


def rate_floor(value: float | None, places: int = RATE_PLACES) -> Decimal | None:
    """0.986456 → Decimal("0.9864"); None stays None. Through repr() so that a float like 0.29
    (0.28999999999999998 in binary) is cut at its shortest decimal form, not below it."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)


def percent_text(value: float | None, places: int = RATE_PLACES) -> str:
    """0.98645 → "98.64%"; a null rate → "—"."""
    shown = rate_floor(value, places)
    if shown is None:
        return "—"
    return f"{shown.scaleb(2)}%"
