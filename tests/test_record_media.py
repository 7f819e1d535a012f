"""A record's photos and documents on its public page and in the API detail: the record's own
photos and those of approved surveys (permissions.PUBLIC_PHOTO), never those of submitted,
rejected or draft surveys; public, not withdrawn documents only; within a fixed query budget."""

import re

import pytest
from django.test import override_settings

from registry.models import Survey
from tests.document_builders import media_world

pytestmark = pytest.mark.django_db
HIDDEN = ("submitted", "rejected", "draft")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HERITAGE_MEDIA_ACCEL_REDIRECT = ""
    settings.HERITAGE_PUBLIC_URL = "https://heritage.example.cn"
    return tmp_path


@pytest.fixture
def world():
    return media_world()


def test_the_page_shows_public_photos_only(client, world):
    html = client.get("/records/JZ-B-0100/").content.decode()
    assert "暂无照片" not in html
    for which in ("own", "approved"):
        photo = world[which]
        assert f'href="{photo.image.url}"' in html and f'src="{photo.thumbnail.url}"' in html
        assert photo.caption in html
    for which in HIDDEN:
        photo = world[which]
        assert photo.image.name not in html and photo.thumbnail.name not in html
        assert photo.caption not in html
    assert html.count('class="gallery__item"') == 2
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">', html) is None  # no EXIF day here
    # The viewer's script is a file (CSP script-src 'self'), never inline.
    assert '<script src="/static/js/record-gallery.js" defer></script>' in html


def test_the_page_lists_public_documents_only(client, world):
    html = client.get("/records/JZ-B-0100/").content.decode()
    for which in ("public_pdf", "public_image"):
        assert world[which].title in html and f'href="{world[which].file.url}"' in html
    for which in ("private_pdf", "withdrawn_pdf"):
        assert world[which].title not in html and world[which].file.name not in html
    assert "批复文件" in html and "保护图则" in html  # kinds
    assert re.search(r"PDF · \d+(\.\d)?\xa0(字节|bytes|KB)", html), "type and size"


def test_a_record_without_any_shows_none(client, world):
    from registry.models import Record

    Record.objects.create(code="JZ-B-0101", kind="building", name="空宅", level="municipal",
                          region_id="140728")  # fmt: skip
    html = client.get("/records/JZ-B-0101/").content.decode()
    assert "暂无照片" in html and "相关文件" not in html and "record-gallery.js" not in html


def test_when_a_survey_is_approved_its_photos_appear(client, world):
    Survey.objects.filter(pk=world["submitted"].survey_id).update(state="approved")
    html = client.get("/records/JZ-B-0100/").content.decode()
    assert world["submitted"].thumbnail.url in html
    assert world["rejected"].thumbnail.url not in html


def test_the_api_detail_gives_public_photos_and_documents(client, world):
    data = client.get("/api/v1/records/JZ-B-0100/").json()
    base = "https://heritage.example.cn/media/"
    by_url = {p["url"]: p for p in data["photos"]}
    assert set(by_url) == {base + world[w].image.name for w in ("own", "approved")}
    own = by_url[base + world["own"].image.name]
    assert own == {
        "url": base + world["own"].image.name,
        "thumbnail_url": base + world["own"].thumbnail.name,
        "width": 640,
        "height": 480,
        "captured_on": None,
        "caption": "正立面",
    }
    assert data["documents"] == [
        {
            "title": world["public_pdf"].title,
            "kind": "approval",
            "content_type": "application/pdf",
            "size": world["public_pdf"].size,
            "url": base + world["public_pdf"].file.name,
        },
        {
            "title": world["public_image"].title,
            "kind": "plan",
            "content_type": "image/jpeg",
            "size": world["public_image"].size,
            "url": base + world["public_image"].file.name,
        },
    ]
    for which in (*HIDDEN, "private_pdf", "withdrawn_pdf"):
        obj = world[which]
        name = obj.file.name if hasattr(obj, "file") else obj.image.name
        assert name not in str(data)


@override_settings(DEBUG=False)
def test_anonymous_cannot_fetch_a_photo_of_a_survey_not_approved(client, world):
    for which in HIDDEN:
        for field in (world[which].image, world[which].thumbnail):
            assert client.get(field.url).status_code == 404, which
    assert client.get(world["approved"].image.url).status_code == 200


def test_query_budget(client, world, django_assert_num_queries):
    # record, plaques, surveys, photos, documents (no children)
    with django_assert_num_queries(5):
        client.get("/records/JZ-B-0100/")
    with django_assert_num_queries(5):
        client.get("/api/v1/records/JZ-B-0100/")


def test_in_english_the_media_sections_say_nothing_in_chinese(client, world):
    client.cookies["django_language"] = "en"
    html = client.get("/records/JZ-B-0100/").content.decode()
    start = html.index('<section aria-labelledby="photos-title">')
    end = html.index('<p class="api-link">')
    part = html[start:end]
    # Record data stays as entered: captions, titles, the record's name (an image's alt).
    for text in [world["own"].caption, world["approved"].caption, world["building"].name,
                 world["public_pdf"].title, world["public_image"].title]:  # fmt: skip
        part = part.replace(text, "")
    assert re.findall(r"[\u4e00-\u9fff]+", part) == []
    assert "Approval document" in part and "Full size" in part and "Documents" in part
