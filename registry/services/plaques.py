"""Plaques: hanging, changes and removal (logged; optimistic locking as for records), and the
sheet a sign maker prints from.

A sheet has one card per plaque: a QR code of the record's public page, the record's name,
the plaque number and the record code. PDF: A4 pages at 300 dpi, ten cards a page, streamed a
page at a time; PNG: one page of cards, for a proof or a few signs.

A sheet is drawn inside the request (about 20 ms of CPU a card), so its size is bounded: the admin
counts the selection and refuses one over SHEET_LIMITS before it draws anything, and sheet()
itself refuses rather than cut a selection short.
"""

import datetime
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import segno
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageOps

from registry import permissions
from registry.models import ChangeAction, Plaque, Record
from registry.services import audit, card_text, locking
from registry.services.pdf_pages import pdf_pages

CARD_W, CARD_H, MARGIN = 1180, 640, 40
DPI, A4 = 300, (2480, 3508)  # A4 at 300 dpi
COLUMNS, ROWS_PER_PAGE = 2, 5
CARDS_PER_PAGE = COLUMNS * ROWS_PER_PAGE
# The most cards one sheet draws. PDF: 50 pages, what a sign maker takes in one order (a
# region's whole list goes in batches, filtered by region), with one page in memory at a time
# (tests/test_hostile_plaque_sheets.py holds it). PNG: one page, as the whole image is in memory
# until it is encoded.
PDF_MAX_CARDS = 500
PNG_MAX_CARDS = CARDS_PER_PAGE
SHEET_LIMITS = {"pdf": PDF_MAX_CARDS, "png": PNG_MAX_CARDS}


logger = logging.getLogger(__name__)


class SheetTooLarge(ValueError):
    pass


# What a plaque's page or row changes (its record is fixed once hung).
FIELDS = ("number", "installed_on", "removed_on")


def plaque_create(*, user, record: Record, data: dict) -> Plaque:
    plaque = Plaque(record=record)
    _assign(plaque, data)
    if not permissions.can(user, permissions.ADD, plaque):
        raise PermissionDenied
    with transaction.atomic():
        plaque.full_clean()
        plaque.save()
        audit.log(user=user, action=ChangeAction.CREATE, obj=plaque)
    return plaque


def plaque_hang(*, user, record: Record, number: str | None, on: datetime.date) -> Plaque:
    return plaque_create(user=user, record=record, data={"number": number, "installed_on": on})


def plaque_update(*, user, plaque: Plaque, data: dict, version: int) -> Plaque:
    """Apply `data` to the plaque if it is still at `version` (registry.services.locking):
    a change based on an older version raises ValidationError (code "stale"), nothing saved.
    Returns the plaque as saved."""
    with transaction.atomic():
        current = locking.lock(Plaque.objects.select_related("record"), plaque.pk, version)
        if not permissions.can(user, permissions.CHANGE, current):
            raise PermissionDenied
        before = audit.snapshot(current)
        _assign(current, data)
        current.full_clean()
        locking.advance(current)
        current.save()
        audit.log(user=user, action=ChangeAction.CHANGE, obj=current, before=before)
    return current


def plaque_remove(*, user, plaque: Plaque, on: datetime.date, version: int) -> Plaque:
    return plaque_update(user=user, plaque=plaque, data={"removed_on": on}, version=version)


def _assign(plaque: Plaque, data: dict) -> None:
    for name, value in data.items():
        if name not in FIELDS:
            raise ValueError(f"not a field of a plaque's page: {name}")
        setattr(plaque, name, value)
    plaque.number = plaque.number or None  # a blank number is no number


@dataclass(frozen=True)
class Card:
    url: str  # the record's public page
    name: str
    number: str
    code: str


def sheet(cards: list[Card], fmt: str) -> Iterator[bytes]:
    """The sheet as PNG or PDF, in chunks: a PDF's pages are drawn one at a time, as the
    response is sent."""
    if fmt not in SHEET_LIMITS:
        raise ValueError(fmt)
    if len(cards) > SHEET_LIMITS[fmt]:
        raise SheetTooLarge(len(cards))
    labels = _labels()  # translated now, in the request's language, not while streaming
    if fmt == "png":
        out = io.BytesIO()
        images = [_card(c, labels) for c in cards]
        _grid(images, rows=(len(images) + COLUMNS - 1) // COLUMNS).save(out, format="PNG")
        return iter([out.getvalue()])
    return pdf_pages(_pages(cards, labels), dpi=DPI)


def _pages(cards: list[Card], labels: dict[str, str]) -> Iterator[Image.Image]:
    for start in range(0, max(len(cards), 1), CARDS_PER_PAGE):
        images = [_card(c, labels) for c in cards[start : start + CARDS_PER_PAGE]]
        yield _grid(images, rows=ROWS_PER_PAGE, size=A4)


def _grid(images, rows: int, size: tuple[int, int] | None = None) -> Image.Image:
    width, height = size or (COLUMNS * CARD_W + (COLUMNS + 1) * MARGIN, 0)
    height = height or max(rows, 1) * (CARD_H + MARGIN) + MARGIN
    page = Image.new("L", (width, height), "white")
    for i, card in enumerate(images):
        row, column = divmod(i, COLUMNS)
        page.paste(card, (MARGIN + column * (CARD_W + MARGIN), MARGIN + row * (CARD_H + MARGIN)))
    return page


def _labels() -> dict[str, str]:
    return {
        "number": _("牌号：%(number)s"),
        "unnumbered": _("（未编号）"),
        "code": _("编号：%(code)s"),
    }


# The text column right of the QR code: the name on top, then the plaque number, then the
# record's code. Each is fitted to its box (registry.services.card_text); the number and the
# code keep the room they need up to their box, the name takes the rest.
QR_SIDE = CARD_H - 2 * MARGIN
TEXT_LEFT = 2 * MARGIN + QR_SIDE
TEXT_WIDTH = CARD_W - TEXT_LEFT - MARGIN
TEXT_HEIGHT = CARD_H - 2 * MARGIN
GAP = 24  # between two blocks
MIN_SIZE = 20  # 1.7 mm at 300 dpi: the smallest a sign maker still reads
NAME = {"size": 64, "min_size": MIN_SIZE, "lines": 3}
NUMBER = {"size": 48, "min_size": MIN_SIZE, "lines": 1}
CODE = {"size": 36, "min_size": MIN_SIZE, "lines": 1}
NUMBER_HEIGHT, CODE_HEIGHT = 170, 100


@dataclass(frozen=True)
class Line:
    x: int
    y: int  # the top of the line (Pillow's "la" anchor: left, ascender)
    text: str
    size: int


def layout(card: Card, labels: dict[str, str]) -> tuple[list[Line], bool]:
    """Where each line of the card's text goes; and whether any text had to be cut (only a
    text longer than the fields allow can be: tests/test_plaque_cards.py draws the longest)."""
    number = labels["number"] % {"number": card.number or labels["unnumbered"]}
    code = labels["code"] % {"code": card.code}
    code_fit = card_text.fit(code, card_text.Box(TEXT_WIDTH, CODE_HEIGHT), **CODE)
    number_fit = card_text.fit(number, card_text.Box(TEXT_WIDTH, NUMBER_HEIGHT), **NUMBER)
    below = [number_fit, code_fit]
    used = sum(card_text.height(len(f.lines), f.size) + GAP for f in below)
    name_box = card_text.Box(TEXT_WIDTH, TEXT_HEIGHT - used)
    blocks = [card_text.fit(card.name, name_box, **NAME), *below]
    lines, y = [], MARGIN
    for block in blocks:
        for i, text in enumerate(block.lines):
            x = TEXT_LEFT + card_text.indent(text, block.size)
            lines.append(Line(x, y + i * block.pitch, text, block.size))
        y += card_text.height(len(block.lines), block.size) + GAP
    return lines, any(block.cut for block in blocks)


def _card(card: Card, labels: dict[str, str]) -> Image.Image:
    image = Image.new("L", (CARD_W, CARD_H), "white")  # grey: black print, a third of RGB
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, CARD_W - 1, CARD_H - 1), outline="black", width=3)
    image.paste(_qr(card.url, QR_SIDE), (MARGIN, MARGIN))
    lines, cut = layout(card, labels)
    if cut:
        logger.warning("plaque card %s: text cut to fit", card.code[:40])
    for line in lines:
        draw.text((line.x, line.y), line.text, fill="black", font=card_text.font(line.size))
    return image


def _qr(url: str, side: int) -> Image.Image:
    """The QR code, `side` pixels square, with a quiet zone of two modules."""
    matrix = segno.make(url, error="m").matrix  # rows of 0 (light) and 1 (dark)
    modules = b"".join(matrix).translate(bytes.maketrans(b"\x00\x01", b"\xff\x00"))
    code = Image.frombytes("L", (len(matrix[0]), len(matrix)), modules)
    code = ImageOps.expand(code, border=2, fill=255)
    return code.resize((side, side), Image.Resampling.NEAREST)
