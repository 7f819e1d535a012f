"""Plaques: hanging, changes and removal (logged; optimistic locking as for records), and the
sheet a sign maker prints from.

A sheet has one card per plaque: a QR code of the record's public page, the record's name,
the plaque number and the record code. PNG (one image, cards in two columns) or PDF (A4 pages
at 300 dpi, ten cards a page).
"""

import datetime
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from registry import permissions
from registry.models import ChangeAction, Plaque, Record
from registry.services import audit, locking

CARD_W, CARD_H, MARGIN = 1180, 640, 40
A4 = (2480, 3508)  # 300 dpi
COLUMNS, ROWS_PER_PAGE = 2, 5
MAX_CARDS = 500
# A font with Chinese characters (Debian's fonts-noto-cjk); Pillow's own font as a last resort.
FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


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


def sheet(cards: list[Card], fmt: str) -> bytes:
    """The sheet as PNG or PDF bytes."""
    images = [_card(c) for c in cards[:MAX_CARDS]]
    out = io.BytesIO()
    if fmt == "png":
        _grid(images, rows=(len(images) + COLUMNS - 1) // COLUMNS).save(out, format="PNG")
    elif fmt == "pdf":
        per_page = COLUMNS * ROWS_PER_PAGE
        pages = [
            _grid(images[i : i + per_page], rows=ROWS_PER_PAGE, size=A4)
            for i in range(0, max(len(images), 1), per_page)
        ]
        pages[0].save(out, format="PDF", resolution=300, save_all=True, append_images=pages[1:])
    else:
        raise ValueError(fmt)
    return out.getvalue()


def _grid(images, rows: int, size: tuple[int, int] | None = None) -> Image.Image:
    width, height = size or (COLUMNS * CARD_W + (COLUMNS + 1) * MARGIN, 0)
    height = height or max(rows, 1) * (CARD_H + MARGIN) + MARGIN
    page = Image.new("RGB", (width, height), "white")
    for i, card in enumerate(images):
        row, column = divmod(i, COLUMNS)
        page.paste(card, (MARGIN + column * (CARD_W + MARGIN), MARGIN + row * (CARD_H + MARGIN)))
    return page


def _card(card: Card) -> Image.Image:
    image = Image.new("RGB", (CARD_W, CARD_H), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, CARD_W - 1, CARD_H - 1), outline="black", width=3)
    qr = segno.make(card.url, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=12, border=2)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    side = CARD_H - 2 * MARGIN
    image.paste(code.resize((side, side), Image.Resampling.NEAREST), (MARGIN, MARGIN))
    left = 2 * MARGIN + side
    width = CARD_W - left - MARGIN
    lines = [(line, 64) for line in _wrap(draw, card.name, 64, width, max_lines=3)]
    lines += [
        (_("牌号：%(number)s") % {"number": card.number or _("（未编号）")}, 48),
        (_("编号：%(code)s") % {"code": card.code}, 36),
    ]
    y = MARGIN + 20
    for text, size in lines:
        draw.text((left, y), text, fill="black", font=_font(size))
        y += size + 36
    return image


def _wrap(draw, text: str, size: int, width: int, max_lines: int) -> list[str]:
    """Chinese names break between any two characters; the last line ends in … if cut."""
    lines, line = [], ""
    for char in text:
        if draw.textlength(line + char, font=_font(size)) > width:
            lines.append(line)
            line = ""
        line += char
    lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and draw.textlength(last + "…", font=_font(size)) > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last + "…"]
    return lines


@lru_cache(maxsize=8)
def _font(size: int):
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)
