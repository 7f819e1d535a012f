"""Text fitted into a box of a plaque card: the one rule for every line a card prints.

A text first keeps to its preferred number of lines, shrinking from its size down to the
smallest the sign maker can still read; then it wraps over more lines (again from its size
down); only if even the smallest size cannot hold it in the box is it cut, ending in "…", and
`Fitted.cut` says so. Chinese wraps between any two characters, Latin at spaces and after
hyphens, and a token longer than the line anywhere.

Sizes are searched by bisection (a smaller size never needs more room), so a card costs a few
dozen measurements, whatever its text.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

# A font with Chinese characters (Debian's fonts-noto-cjk); Pillow's own font as a last resort.
FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
LEADING = 1.2  # line pitch, in sizes
ELLIPSIS = "…"
_WIDE = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3200-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
)
# A wide character alone, a run of spaces, or a Latin run up to and including a hyphen.
_TOKENS = re.compile(rf"[{_WIDE}]|\s+|[^\s{_WIDE}]+?(?:-|(?=[\s{_WIDE}])|$)")


@dataclass(frozen=True)
class Box:
    width: int
    height: int


@dataclass(frozen=True)
class Fitted:
    lines: tuple[str, ...]
    size: int
    cut: bool  # the text did not fit even at min_size: its end is replaced by "…"

    @property
    def pitch(self) -> int:
        return pitch(self.size)


@lru_cache(maxsize=64)
def font(size: int):
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def pitch(size: int) -> int:
    return round(size * LEADING)


def width(text: str, size: int) -> int:
    """The room a line takes: its advance, or its ink if that reaches further (either side:
    a Latin "A" reaches a pixel left of where it is drawn; `indent` moves it in)."""
    if not text:
        return 0
    face = font(size)
    return max(round(face.getlength(text)), face.getbbox(text)[2]) + indent(text, size)


def indent(text: str, size: int) -> int:
    """How far right of the box's edge a line is drawn so that its ink starts inside."""
    return max(0, -font(size).getbbox(text)[0]) if text else 0


def height(lines: int, size: int) -> int:
    """The room `lines` lines take, from the first line's top to the last's lowest descent."""
    ascent, descent = font(size).getmetrics()
    return (lines - 1) * pitch(size) + ascent + descent if lines else 0


def fit(text: str, box: Box, *, size: int, min_size: int, lines: int = 1) -> Fitted:
    """`text` in `box`: in at most `lines` lines at the largest size from `size` down to
    `min_size`; failing that in as many lines as the box holds; failing that cut."""
    text = " ".join(text.split())  # a card has no use for a line break or a tab
    for most in (lines, None):
        found = _largest(text, box, size, min_size, most)
        if found is not None:
            return found
    return _cut(text, box, min_size)


def _largest(text, box, size, min_size, most) -> Fitted | None:
    def fits(s):
        rows = rows_in(box.height, s)
        wrapped = wrap(text, box.width, s, rows if most is None else min(most, rows))
        if wrapped is None or height(len(wrapped), s) > box.height:
            return None
        if any(width(line, s) > box.width for line in wrapped):
            return None
        return Fitted(tuple(wrapped), s, False)

    if (best := fits(min_size)) is None:
        return None
    low, high = min_size, size  # fits(low) holds; find the largest size that fits
    while low < high:
        middle = (low + high + 1) // 2
        if (found := fits(middle)) is not None:
            low, best = middle, found
        else:
            high = middle - 1
    return best


def rows_in(room: int, size: int) -> int:
    """How many lines of `size` a box `room` high holds (at least one: a box too low for
    any line is the layout's mistake, not the text's)."""
    return max(1, (room - height(1, size)) // pitch(size) + 1)


def _cut(text, box, size) -> Fitted:
    kept = wrap(text, box.width, size)[: rows_in(box.height, size)]
    last = kept[-1]
    while last and width(last + ELLIPSIS, size) > box.width:
        last = last[:-1]
    return Fitted((*kept[:-1], last.rstrip() + ELLIPSIS), size, True)


def wrap(text: str, room: int, size: int, most: int | None = None) -> list[str] | None:
    """Greedy lines no wider than `room` at `size`; None as soon as there would be more than
    `most`. Lines are filled by the characters' advances (cached, so a long text costs little);
    fit() measures each line it keeps as a whole, kerning and ink included."""
    lines, line, run = [], "", 0.0
    for token in _TOKENS.findall(text):
        advance = _advance(token, size)
        if run + advance <= room:
            line, run = line + token, run + advance
            continue
        if line.strip():
            lines.append(line.rstrip())
        line, run = ("", 0.0) if token.isspace() else (token, advance)
        while run > room:  # a token longer than a line: broken anywhere
            cut = _longest_prefix(line, room, size)
            lines.append(line[:cut])
            line = line[cut:]
            run = _advance(line, size)
        if most is not None and len(lines) > most:
            return None
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines if most is None or len(lines) <= most else None


@lru_cache(maxsize=8192)
def _advance(token: str, size: int) -> float:
    return font(size).getlength(token)


def _longest_prefix(text: str, room: int, size: int) -> int:
    low, high = 1, len(text)  # at least one character a line, whatever its width
    while low < high:
        middle = (low + high + 1) // 2
        if _advance(text[:middle], size) <= room:
            low = middle
        else:
            high = middle - 1
    return low
