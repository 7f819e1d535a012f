"""The page a plaque's QR code opens (/records/<code>/) in headless Chromium: a building with
its description and designation, the photos the public may see (the record's own and an
approved survey's, not a submitted survey's) shown as thumbnails that open a larger view, and
its public document listed (a non-public one not); at desktop and phone widths."""

import datetime
import importlib
import io

import pytest
from PIL import Image, ImageDraw

from registry.models import Record, Survey
from registry.services import documents, photos
from tests.document_builders import pdf_bytes, upload
from tests.workflow_builders import user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def picture(sky, wall, roof, day: str) -> bytes:
    """A small drawing of a hall (sky, wall, roof, door), with its capture day in EXIF."""
    image = Image.new("RGB", (960, 720), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 560, 960, 720), fill=(170, 160, 140))  # the courtyard's paving
    draw.rectangle((180, 300, 780, 580), fill=wall)
    draw.polygon([(120, 310), (480, 150), (840, 310)], fill=roof)
    draw.rectangle((430, 420, 530, 580), fill=(60, 35, 25))
    for x in (250, 640):
        draw.rectangle((x, 380, x + 70, 450), fill=(235, 225, 200))
    exif = Image.Exif()
    exif[306] = f"{day.replace('-', ':')} 10:00:00"  # DateTime: the capture day kept
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


@pytest.fixture
def qr_page(settings, tmp_path):
    from django.apps import apps

    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    # The flush removed the role groups too: migration 0006 makes them again.
    importlib.import_module("registry.migrations.0006_workflow_groups").create_groups(apps, None)
    settings.MEDIA_ROOT = tmp_path
    settings.HERITAGE_MEDIA_ACCEL_REDIRECT = ""
    building = Record.objects.create(
        code="JZ-B-0100", kind="building", name="张氏宗祠", name_en="Zhang Family Ancestral Hall",
        level="provincial", region_id="140728", designated_on=datetime.date(2010, 6, 1),
        address="平遥县古城南大街 12 号", lat=37.2005, lon=112.1712, era="清代",
        description="始建于清乾隆年间，三进四合院布局，保存完整的砖雕门楼与木构梁架。",
        description_en="A Qing-dynasty ancestral hall of three courtyards.",
        designation_batch="第一批", designation_document="平政发〔2010〕12号",
        designation_authority="平遥县人民政府",
    )  # fmt: skip
    local = user("local", "surveyor", regions=("140000",), password=None)
    approved, submitted = (
        Survey.objects.create(
            building=building, surveyed_on=day, occupancy="in_use", created_by=local
        )  # fmt: skip
        for day in (datetime.date(2024, 5, 1), datetime.date(2025, 3, 1))
    )
    shots = {
        "own": photos.photo_attach(
            user=local, record=building, caption="正立面",
            upload=upload(picture((150, 190, 225), (190, 60, 45), (70, 70, 75), "2023-10-02"),
                          "a.jpg", "image/jpeg"),
        ),
        "approved": photos.photo_attach(
            user=local, survey=approved, caption="第二进院落",
            upload=upload(picture((200, 215, 230), (170, 140, 110), (60, 55, 50), "2024-05-01"),
                          "b.jpg", "image/jpeg"),
        ),
        "submitted": photos.photo_attach(
            user=local, survey=submitted, caption="待审照片",
            upload=upload(picture((40, 40, 40), (0, 0, 255), (255, 0, 0), "2025-03-01"),
                          "c.jpg", "image/jpeg"),
        ),
    }  # fmt: skip
    # A new upload is not public until a reviewer marks it (Photo.public): these two are.
    reviewer = user("reviewer", "reviewer", regions=("140000",), password=None)
    for which in ("own", "approved"):
        shots[which] = photos.photo_publish(user=reviewer, photo=shots[which], public=True)
    Survey.objects.filter(pk=approved.pk).update(state="approved")
    Survey.objects.filter(pk=submitted.pk).update(state="submitted")
    public = documents.document_attach(
        user=local, record=building, title="平遥县人民政府关于公布第一批历史建筑的批复",
        kind="approval", public=True, upload=upload(pdf_bytes(text="approval")),
    )  # fmt: skip
    private = documents.document_attach(
        user=local, record=building, title="张氏宗祠测绘图纸（内部）", kind="drawing",
        upload=upload(pdf_bytes(text="drawing")),
    )  # fmt: skip
    return {"building": building, "public": public, "private": private, **shots}


def _until(page, expression: str) -> None:
    """Polls `expression` with page.evaluate: wait_for_function re-evaluates a string as script
    in the page when its first answer is false, which the site's CSP (no 'unsafe-eval') refuses."""
    for _attempt in range(200):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"still false after 10 s: {expression}")


def _watch(page):
    page.console_errors = []
    page.on(
        "console",
        lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
    )


def test_the_qr_code_page_shows_photos_and_documents(live_server, page, artifacts, qr_page):
    _watch(page)
    page.goto(f"{live_server.url}/records/JZ-B-0100/")
    assert page.locator("h1").inner_text() == "张氏宗祠"

    thumbs = page.locator(".gallery__item")
    assert thumbs.count() == 2
    gallery = page.locator(".gallery").inner_text()
    assert "正立面" in gallery and "第二进院落" in gallery and "待审照片" not in gallery
    assert "2023-10-02" in gallery and "2024-05-01" in gallery  # the capture days
    # Every thumbnail loaded (served through /media/ with its photo's rule).
    _until(
        page,
        "[...document.querySelectorAll('.gallery img')].every(i => i.complete && i.naturalWidth)",
    )
    assert qr_page["submitted"].thumbnail.name not in page.content()

    docs = page.locator(".documents")
    assert docs.locator("li").count() == 1
    assert "平遥县人民政府关于公布第一批历史建筑的批复" in docs.inner_text()
    assert "批复文件" in docs.inner_text() and "PDF" in docs.inner_text()
    assert "测绘图纸（内部）" not in page.content()
    page.screenshot(path=artifacts / "record-media-desktop.png", full_page=True)

    # The larger view: newest capture first, so the approved survey's photo is the first.
    page.locator(".gallery__link").first.click()
    viewer = page.locator("#photo-viewer")
    viewer.wait_for(state="visible")
    _until(
        page,
        "(() => { const i = document.querySelector('.lightbox__image');"
        " return i.complete && i.naturalWidth === 960; })()",
    )
    assert viewer.locator(".lightbox__caption").inner_text() == "2024-05-01 · 第二进院落"
    assert viewer.locator(".lightbox__count").inner_text() == "1 / 2"
    page.screenshot(path=artifacts / "record-media-viewer.png")
    page.keyboard.press("ArrowRight")
    assert viewer.locator(".lightbox__caption").inner_text() == "2023-10-02 · 正立面"
    viewer.get_by_role("button", name="关闭").click()
    viewer.wait_for(state="hidden")
    page.keyboard.press("Escape")

    # The PDF downloads (an attachment), it does not open in the page.
    with page.expect_download() as download:
        docs.get_by_role("link").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert page.errors == [] and page.console_errors == []


def test_the_qr_code_page_on_a_phone(live_server, page, artifacts, qr_page):
    _watch(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/records/JZ-B-0100/")
    assert page.locator(".gallery__item").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _until(
        page,
        "[...document.querySelectorAll('.gallery img')].every(i => i.complete && i.naturalWidth)",
    )
    page.locator("#photos-title").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "record-media-phone.png", full_page=True)
    page.locator(".gallery__link").nth(1).click()
    page.locator("#photo-viewer").wait_for(state="visible")
    _until(page, "document.querySelector('.lightbox__image').naturalWidth > 0")
    page.screenshot(path=artifacts / "record-media-phone-viewer.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == [] and page.console_errors == []
