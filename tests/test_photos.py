"""Photo uploads: real images only, limits against bombs, EXIF stripped, capture day kept,
orientation applied, thumbnail made once; the public selector shows only photos marked public
(by a reviewer or registrar, never by the surveyor) of a record or an approved survey."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from registry.models import Record, Survey
from registry.selectors.photos import photos_for
from registry.services import photos
from tests.workflow_builders import jpeg_bytes, user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _exif(orientation=6):
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotate 90° when shown
    exif[0x010F] = "CameraMaker"
    exif[0x0110] = "CameraModel"
    exif.get_ifd(0x8769)[36867] = "2023:07:15 10:20:30"
    exif.get_ifd(0x8825)[2] = (39.0, 54.0, 0.0)  # GPS latitude
    exif.get_ifd(0x8825)[1] = "N"
    return exif


def _upload(data: bytes, name="p.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture
def building():
    return Record.objects.create(code="B1", kind="building", name="张氏宗祠", level="provincial",
                                 region_id="140728", designated_on="2010-01-01")  # fmt: skip


def test_exif_stripped_capture_day_kept_orientation_applied(building):
    surveyor = user("s", "surveyor")
    data = jpeg_bytes(size=(80, 40), exif=_exif())
    assert b"CameraModel" in data
    photo = photos.photo_attach(user=surveyor, upload=_upload(data), record=building)
    stored = photo.image.read()
    assert b"CameraModel" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (40, 80)  # turned upright
        assert not image.getexif()
    assert (photo.width, photo.height) == (40, 80)
    assert str(photo.captured_on) == "2023-07-15"
    with Image.open(photo.thumbnail) as thumb:
        assert max(thumb.size) <= photos.THUMB_SIDE
    assert photo.image.name.startswith("photos/") and photo.uploaded_by == surveyor


def test_png_and_webp_are_kept_in_their_format(building):
    surveyor = user("s", "surveyor")
    for fmt in ("PNG", "WEBP"):
        photo = photos.photo_attach(
            user=surveyor, upload=_upload(jpeg_bytes(fmt=fmt), f"x.{fmt}"), record=building
        )
        with Image.open(photo.image) as image:
            assert image.format == fmt


@pytest.mark.parametrize(
    "data",
    [
        b"not an image at all",
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG header and nothing after
        pytest.param("gif", id="gif"),
        pytest.param("bomb", id="decompression-bomb"),
    ],
)
def test_refused(data):
    if data == "gif":
        data = jpeg_bytes(fmt="GIF")
    elif data == "bomb":  # 64 megapixels of one bit: a few kB on disk, 64 MB+ decoded
        out = io.BytesIO()
        Image.new("1", (8000, 8000)).save(out, format="PNG")
        data = out.getvalue()
        assert len(data) < 100_000
    with pytest.raises(ValidationError):
        photos.prepare(_upload(data))


def test_too_many_bytes_refused(monkeypatch):
    monkeypatch.setattr(photos, "MAX_BYTES", 1000)
    with pytest.raises(ValidationError):
        photos.prepare(_upload(jpeg_bytes(size=(400, 400), color=(1, 2, 3)) + b"\0" * 2000))


def test_public_selector_only_shows_photos_marked_public_of_approved_work(building):
    surveyor, reviewer = user("s", "surveyor"), user("r", "reviewer")
    draft = Survey.objects.create(building=building, surveyed_on="2024-01-01",
                                  occupancy="in_use", created_by=surveyor)  # fmt: skip
    own = photos.photo_attach(user=surveyor, upload=_upload(jpeg_bytes()), record=building)
    pending = photos.photo_attach(user=surveyor, upload=_upload(jpeg_bytes()), survey=draft)
    assert pending.record == building
    assert not own.public and not pending.public  # a new upload is never public at once
    assert list(photos_for(building)) == []
    photos.photo_publish(user=reviewer, photo=own, public=True)
    assert list(photos_for(building)) == [own]
    # An approved survey's photo needs the mark too; marked, it waits for the approval.
    Survey.objects.filter(pk=draft.pk).update(state="approved")
    assert list(photos_for(building)) == [own]
    photos.photo_publish(user=reviewer, photo=pending, public=True)
    assert set(photos_for(building)) == {own, pending}
    Survey.objects.filter(pk=draft.pk).update(state="submitted")
    assert list(photos_for(building)) == [own]


def test_reviewers_and_registrars_publish_surveyors_may_not(building):
    from django.core.exceptions import PermissionDenied

    from registry.models import ChangeLog, Photo

    surveyor = user("s", "surveyor")
    photo = photos.photo_attach(user=surveyor, upload=_upload(jpeg_bytes()), record=building)
    for refused in (surveyor, user("far", "reviewer", regions=("110000",), password=None)):
        with pytest.raises(PermissionDenied):
            photos.photo_publish(user=refused, photo=photo, public=True)
    assert not Photo.objects.get(pk=photo.pk).public
    before = ChangeLog.objects.count()
    photos.photo_publish(user=user("g", "registrar", password=None), photo=photo, public=True)
    assert Photo.objects.get(pk=photo.pk).public
    # Again public: no change, nothing logged.
    photos.photo_publish(user=user("r", "reviewer", password=None), photo=photo, public=True)
    photos.photo_publish(user=user("r2", "reviewer", password=None), photo=photo, public=False)
    assert not Photo.objects.get(pk=photo.pk).public
    entries = list(ChangeLog.objects.order_by("id")[before:])
    assert [e.action for e in entries] == ["change", "change"]
    assert (entries[0].before["public"], entries[0].after["public"]) == (False, True)
    assert entries[1].user.username == "r2" and entries[1].after["public"] is False


def test_a_surveyor_of_another_region_may_not_attach(building):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        photos.photo_attach(user=user("far", "surveyor", regions=("110000",)),
                            upload=_upload(jpeg_bytes()), record=building)  # fmt: skip
