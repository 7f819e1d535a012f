"""Every line of a plaque card stays on the card: the longest name, number and code the
fields allow are fitted (shrunk, then wrapped), drawn, and the card's margin band and the gap
beside the QR code are checked blank, pixel by pixel. The fitting rule itself: one function
(registry.services.card_text.fit)."""

import pytest
from django.utils import translation
from PIL import Image, ImageChops, ImageDraw

from registry.models import Plaque, Record
from registry.models.limits import max_length
from registry.services import card_text
from registry.services import plaques as p
from registry.services.card_text import Box, fit

BORDER = 3  # the card's frame, drawn on its edge
NAME_MAX = max_length(Record, "name")
NUMBER_MAX = max_length(Plaque, "number")
CODE_MAX = max_length(Record, "code")
URL = "https://heritage.example.gov.cn/records/" + "W" * CODE_MAX + "/"
LONGEST = {
    "wide name, W- number": p.Card(URL, "龘" * NAME_MAX, "W-" * (NUMBER_MAX // 2), "W" * CODE_MAX),
    "wide name, W number": p.Card(URL, "龘" * NAME_MAX, "W" * NUMBER_MAX, "W-" * (CODE_MAX // 2)),
    "Latin words": p.Card(URL, ("Wang Family Ancestral Hall " * 8)[:NAME_MAX],
                          ("WM 1408 " * 13)[:NUMBER_MAX], "M" * CODE_MAX),
    "one Latin token": p.Card(URL, "W" * NAME_MAX, "M" * NUMBER_MAX, "W" * CODE_MAX),
    "the reported number": p.Card(URL, "张氏宗祠", "140825-2011-000", "140825-2011-000"),
}  # fmt: skip


def test_the_longest_values_are_the_fields_limits():
    assert (NAME_MAX, NUMBER_MAX, CODE_MAX) == (200, 100, 40)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("case", LONGEST)
def test_nothing_leaves_the_card(case, language, tmp_path):
    card = LONGEST[case]
    with translation.override(language):
        labels = p._labels()
    image = p._card(card, labels)
    image.save(tmp_path / "card.png")  # to look at when a test fails
    inner = (p.MARGIN, p.MARGIN, p.CARD_W - p.MARGIN, p.CARD_H - p.MARGIN)
    assert _blank_outside(image, inner, frame=BORDER)
    qr_right = p.MARGIN + p.QR_SIDE
    gap = image.crop((qr_right, BORDER, p.TEXT_LEFT, p.CARD_H - BORDER))
    assert _all_white(gap)  # no line reaches into the QR code's column
    lines, cut = p.layout(card, labels)
    assert not cut  # the fields' limits always fit at the smallest size
    draw = ImageDraw.Draw(image)
    for line in lines:
        left, top, right, bottom = draw.textbbox(
            (line.x, line.y), line.text, font=card_text.font(line.size)
        )
        assert left >= p.TEXT_LEFT and right <= p.CARD_W - p.MARGIN, line
        assert top >= p.MARGIN and bottom <= p.CARD_H - p.MARGIN, line
    assert "".join(line.text for line in lines).replace(" ", "").count("W") >= sum(
        f.count("W") for f in (card.name, card.number, card.code)
    )  # nothing dropped


def test_the_reported_number_is_whole_on_one_line():
    lines, _cut = p.layout(LONGEST["the reported number"], _zh_labels())
    assert "牌号：140825-2011-000" in [line.text for line in lines]


def test_chinese_wraps_between_characters_latin_at_spaces_and_hyphens():
    size = 40
    one = round(card_text.font(size).getlength("龘"))
    assert fit("龘" * 10, Box(one * 4, 1000), size=size, min_size=size).lines == (
        "龘" * 4, "龘" * 4, "龘" * 2,
    )  # fmt: skip
    words = fit("Wang Family Hall", Box(card_text.width("Wang Family", size) + 2, 1000),
                size=size, min_size=size)  # fmt: skip
    assert words.lines == ("Wang Family", "Hall")
    hyphens = fit("1408-2011-000", Box(card_text.width("1408-2011-", size) + 2, 1000),
                  size=size, min_size=size)  # fmt: skip
    assert hyphens.lines == ("1408-2011-", "000")
    token = fit("W" * 30, Box(card_text.width("W" * 10, size) + 2, 1000), size=size,
                min_size=size)  # fmt: skip
    assert token.lines == ("W" * 10,) * 3


def test_shrinks_before_it_wraps_and_wraps_before_it_cuts():
    text = "W" * 20
    at_40 = card_text.width(text, 40)
    shrunk = fit(text, Box(at_40 - 20, 1000), size=40, min_size=20)
    assert len(shrunk.lines) == 1 and 20 <= shrunk.size < 40 and not shrunk.cut
    wrapped = fit(text, Box(card_text.width(text, 20) // 2, 1000), size=40, min_size=20)
    assert len(wrapped.lines) > 1 and not wrapped.cut
    low = card_text.height(1, 20)
    cut = fit(text, Box(card_text.width(text, 20) // 2, low), size=40, min_size=20)
    assert cut.cut and cut.size == 20 and cut.lines[-1].endswith("…")
    assert card_text.width(cut.lines[-1], 20) <= card_text.width(text, 20) // 2


def _zh_labels():
    with translation.override("zh-hans"):
        return p._labels()


def _all_white(image: Image.Image) -> bool:
    return image.getextrema() == (255, 255)


def _blank_outside(image: Image.Image, inner: tuple, frame: int) -> bool:
    """Every pixel between the frame and the inner box is white."""
    band = image.crop((frame, frame, image.width - frame, image.height - frame))
    left, top, right, bottom = (v - frame for v in inner)
    blanked = band.copy()
    ImageDraw.Draw(blanked).rectangle((left, top, right - 1, bottom - 1), fill=255)
    return ImageChops.invert(blanked).getbbox() is None
