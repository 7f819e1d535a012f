"""Plaque sheets are bounded: a selection over the limit is refused before a card is drawn, a
PDF streams page by page with one page in memory, and a PNG is one page of cards."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from registry.models import Plaque, Record
from registry.services import plaques as plaque_service
from tests.workflow_builders import user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]
RECORDS = reverse("admin:registry_record_changelist")
PLAQUES = reverse("admin:registry_plaque_changelist")


@pytest.fixture
def surveyor(client):
    client.force_login(user("s", "surveyor", password=None))
    return client


@pytest.fixture
def drawn(monkeypatch):
    """Counts the cards drawn."""
    calls = []
    real = plaque_service._card

    def spy(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(plaque_service, "_card", spy)
    return calls


def buildings(n: int, region="140728") -> list[Record]:
    return Record.objects.bulk_create(
        Record(code=f"S{region}-{i:04d}", kind="building", name=f"宅{i}", level="provincial",
               region_id=region)
        for i in range(n)
    )  # fmt: skip


def select_all(action: str, pk) -> dict:
    """The admin's "select all N" across pages: one row ticked and select_across."""
    return {"action": action, "select_across": "1", "index": "0", "_selected_action": [pk]}


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_over_the_limit_is_refused_before_any_card_is_drawn(surveyor, drawn, fmt):
    limit = plaque_service.SHEET_LIMITS[fmt]
    records = buildings(limit + 1)
    buildings(3, region="110101")  # another region's: not the surveyor's, never counted
    response = surveyor.post(RECORDS, select_all(f"plaque_sheet_{fmt}", records[0].pk))
    assert response.status_code == 302  # back to the list, no sheet
    assert drawn == []
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"所选 {limit + 1} 张" in message  # the surveyor's region's records only
    assert str(plaque_service.PDF_MAX_CARDS) in message
    assert str(plaque_service.PNG_MAX_CARDS) in message


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_the_service_refuses_rather_than_cuts(drawn, fmt):
    card = plaque_service.Card(url="https://heritage.example.gov.cn/", name="宅", number="",
                               code="B0")  # fmt: skip
    with pytest.raises(plaque_service.SheetTooLarge):
        plaque_service.sheet([card] * (plaque_service.SHEET_LIMITS[fmt] + 1), fmt)
    assert drawn == []


def test_plaque_list_over_the_limit_is_refused_too(surveyor, drawn):
    records = buildings(plaque_service.PNG_MAX_CARDS + 1)
    Plaque.objects.bulk_create(Plaque(record=r, installed_on="2012-01-01") for r in records)
    response = surveyor.post(
        PLAQUES, select_all("plaque_sheet_png", Plaque.objects.values_list("pk", flat=True)[0])
    )
    assert response.status_code == 302 and drawn == []


def test_exactly_at_the_limit_the_png_is_one_page(surveyor, drawn):
    records = buildings(plaque_service.PNG_MAX_CARDS)
    response = surveyor.post(RECORDS, select_all("plaque_sheet_png", records[0].pk))
    assert response["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
        assert image.height <= plaque_service.A4[1] and image.width <= plaque_service.A4[0]
    assert len(drawn) == plaque_service.PNG_MAX_CARDS


def test_pdf_streams_page_by_page(surveyor, drawn):
    records = buildings(23)  # three pages: 10, 10, 3
    response = surveyor.post(RECORDS, select_all("plaque_sheet_pdf", records[0].pk))
    assert response.streaming and response["Content-Type"] == "application/pdf"
    assert drawn == []  # nothing drawn before the response starts
    data, drawn_when_sent = b"", []
    for chunk in response.streaming_content:
        data += chunk
        drawn_when_sent.append(len(drawn))
    # The first page left before the last card was drawn.
    assert drawn_when_sent[0] < 23 and drawn_when_sent[-1] == 23
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 3
    for page in reader.pages:
        [image] = page.images
        assert image.image.size == plaque_service.A4
        assert float(page.mediabox.width) == pytest.approx(595.2)  # A4 in points
    # The last page holds its three cards (the rest of the page is white).
    last = reader.pages[2].images[0].image.convert("L")
    assert last.getextrema() == (0, 255)
    assert Image.eval(last.crop((0, 2 * plaque_service.CARD_H + 200, *plaque_service.A4)),
                      lambda p: 255 - p).getbbox() is None  # fmt: skip


MEASURE = """
import resource, sys
import django
django.setup()
from registry.services.plaques import Card, sheet
cards = [Card(url=f"https://heritage.example.gov.cn/records/JZ-B-{i:04d}/",
              name="日升昌票号旧址" * 3, number=f"PY-{i}", code=f"JZ-B-{i:04d}")
         for i in range(int(sys.argv[1]))]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
size = sum(len(chunk) for chunk in sheet(cards, "pdf"))
print(size, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def _peak_growth_mb(cards: int) -> tuple[int, int]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "heritage.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(cards)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    size, growth = result.stdout.split()
    return int(size), int(growth)


@pytest.mark.slow
@pytest.mark.django_db(False)
def test_pdf_memory_does_not_grow_with_the_cards():
    """One page (2480 x 3508 grey, 8.7 MB) and its compressed copy are in memory at a time:
    100 cards (10 pages) peak within one page's memory of 10 cards (1 page)."""
    small_size, small = _peak_growth_mb(10)
    large_size, large = _peak_growth_mb(100)
    assert large_size > 5 * small_size  # it did write ten pages
    assert large - small < 20, (small, large)
