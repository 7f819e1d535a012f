"""Photos: verified, stripped, re-encoded and thumbnailed once, at upload.

An upload is refused unless Pillow reads it as a real JPEG, PNG or WebP image within the size
and pixel limits, read from its header before a pixel is decoded (a decompression bomb is an
error, never a warning; MAX_PIXELS says what one upload may cost). What is stored is only a
re-encoding of its pixels: EXIF (GPS position, camera, owner) and any other metadata are gone,
the EXIF orientation applied first, and the capture day (EXIF DateTimeOriginal) kept in
Photo.captured_on. The thumbnail is made here, once, so pages never resize on the fly.
"""

import datetime
import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from registry import permissions
from registry.models import ChangeAction, Photo, Record, Survey
from registry.services import audit

MAX_BYTES = 20 * 1024 * 1024
# The pixel budget of an upload, read from the file's header before a pixel is decoded, so that
# one upload is prepared within MEMORY_BOUND_MB (tests/test_hostile_uploads.py; figures from
# `python -m bench.upload_memory`). Survey photos come from phones and cameras on their default
# setting: 12 MP (4032 x 3024), 24 MP on recent iPhones (5712 x 4284) and on 24 MP cameras
# (6000 x 4000), so 25 MP takes all of them whole; 48-200 MP is an opt-in full-resolution mode.
# What decoding costs is fixed by the format, not by the file's size: Pillow holds 4 bytes a
# pixel, libjpeg up to 6 more for the coefficients of a progressive JPEG (reduced-size decoding,
# draft(), does not spare those), Pillow's WebP decoder about 16 in all. Cameras do not make
# WebP, so a WebP gets the 12 MP of a phone's default photo.
MAX_PIXELS = {"JPEG": 25_000_000, "PNG": 25_000_000, "WEBP": 12_500_000}
MAX_SIDE = 12_000
ALLOWED = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMB_SIDE = 320
EXIF_IFD, DATETIME_ORIGINAL, DATETIME = 0x8769, 36867, 306

# Pillow's own guard, checked as any image is opened: above MAX_IMAGE_PIXELS it warns (prepare()
# turns that warning into a refusal), above twice that it raises DecompressionBombError. The
# header check in _reencode refuses the same images and more, before Pillow would warn.
Image.MAX_IMAGE_PIXELS = max(MAX_PIXELS.values())


@dataclass
class PreparedPhoto:
    content: bytes
    extension: str
    thumbnail: bytes
    width: int
    height: int
    captured_on: datetime.date | None


def prepare(upload) -> PreparedPhoto:
    """Verify an uploaded file and re-encode it; ValidationError if it is not acceptable."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(_("照片不能超过 %(mb)s MB。") % {"mb": MAX_BYTES // 1024 // 1024})
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("照片不能超过 %(mb)s MB。") % {"mb": MAX_BYTES // 1024 // 1024})
    return reencoded(data)


def reencoded(data: bytes) -> PreparedPhoto:
    """The re-encoding of an image already read (within MAX_BYTES): the one path by which an
    image is stored, a photo or a record's document (registry/services/documents.py)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(data)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_too_many_pixels()) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("不是可读取的图片文件。")) from exc


def _too_many_pixels(fmt: str | None = None) -> str:
    limit = MAX_PIXELS.get(fmt, max(MAX_PIXELS.values()))
    return _("图片像素过多（上限 %(mp)s 百万像素，请用相机的默认分辨率拍摄），已拒绝。") % {
        "mp": f"{limit / 1_000_000:g}"
    }


def _reencode(data: bytes) -> PreparedPhoto:
    fmt = _checked_format(data)
    pixels, captured_on = _decoded(data, fmt)
    return PreparedPhoto(
        content=_encode(pixels, fmt),
        extension=ALLOWED[fmt],
        thumbnail=_thumbnail(pixels),
        width=pixels.width,
        height=pixels.height,
        captured_on=captured_on,
    )


def _checked_format(data: bytes) -> str:
    """The file's format, once its header shows an allowed format and size and its structure
    verifies. Image.open reads only the header: nothing is decoded yet. (A function of its own
    so that the probe is freed on return: Pillow's WebP reader holds two canvases of the image's
    size from the moment it is opened, and keeps them after close().)"""
    with Image.open(io.BytesIO(data)) as probe:
        fmt = probe.format
        if fmt not in ALLOWED:
            raise ValidationError(_("只接受 JPEG、PNG 或 WebP 格式的照片。"))
        width, height = probe.size
        if width * height > MAX_PIXELS[fmt] or max(width, height) > MAX_SIDE:
            raise ValidationError(_too_many_pixels(fmt))
        probe.verify()  # checks the file's structure; the image must be opened again after
    return fmt


def _decoded(data: bytes, fmt: str) -> tuple[Image.Image, datetime.date | None]:
    """The pixels, upright, and the capture day. At most two full-size images live at once:
    the decoded file and the one made from it (turned upright, then holding only the pixels);
    the file's image, and what its reader holds, are freed on return."""
    with Image.open(io.BytesIO(data)) as image:
        captured_on = _capture_day(image)
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        return _without_metadata(image, fmt), captured_on


def _capture_day(image: Image.Image) -> datetime.date | None:
    exif = image.getexif()
    text = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    if not isinstance(text, str):
        return None
    try:
        return datetime.datetime.strptime(text.strip()[:10], "%Y:%m:%d").date()
    except ValueError:
        return None


def _without_metadata(image: Image.Image, fmt: str) -> Image.Image:
    """A new image holding only the pixels: no EXIF, XMP, ICC or text chunks come along (the
    encoders read those from .info, which convert() copies and this empties)."""
    mode = "RGB" if fmt == "JPEG" or image.mode not in ("RGB", "RGBA", "L", "LA") else image.mode
    if image.mode in ("P", "PA", "LA") and fmt != "JPEG":
        mode = "RGBA"
    clean = image.convert(mode)  # always a new image, a copy when the mode is already right
    clean.info = {}
    return clean


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    # No optimize=True for JPEG: its Huffman tables need every coefficient of the image held at
    # once (72 MB more at 25 MP) for a file a few percent smaller.
    options = {"JPEG": {"quality": 88}, "WEBP": {"quality": 88}}.get(fmt, {})
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    scale = min(THUMB_SIDE / image.width, THUMB_SIDE / image.height, 1)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    # resize() makes the small image directly (a cheap box reduction to a few times its size,
    # then the fine filter): unlike Image.thumbnail, which works in place, no full-size copy.
    thumb = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0).convert("RGB")
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def photo_attach(
    *,
    user,
    upload=None,
    prepared: PreparedPhoto | None = None,
    record: Record | None = None,
    survey: Survey | None = None,
    caption: str = "",
) -> Photo:
    """Store a photo of a record, or of a survey (then also of its building)."""
    prepared = prepared or prepare(upload)
    record = survey.building if survey is not None else record
    photo = Photo(
        record=record,
        survey=survey,
        width=prepared.width,
        height=prepared.height,
        captured_on=prepared.captured_on,
        caption=caption or "",
        uploaded_by=user,
    )
    if not permissions.can(user, permissions.ADD, photo):
        raise PermissionDenied
    # Before any file is written for it; the survey is checked (and locked) below, where a
    # survey an import has just replaced gets its own message.
    photo.full_clean(exclude=["image", "thumbnail", "survey"])
    # Content-addressed names: a stored file never changes, so it may be cached forever.
    digest = hashlib.sha256(prepared.content).hexdigest()[:20]
    with transaction.atomic():
        if survey is not None:
            _lock_survey(survey)
        photo.image.save(f"{digest}.{prepared.extension}", ContentFile(prepared.content), False)
        photo.thumbnail.save(f"{digest}.jpg", ContentFile(prepared.thumbnail), False)
        photo.full_clean()
        photo.save()
        audit.log(user=user, action=ChangeAction.CREATE, obj=photo)
    return photo


def _lock_survey(survey: Survey) -> None:
    """The survey must still exist, and goes on existing until this photo is committed.

    An import deletes the approved surveys its file no longer holds (and keeps their photos
    on the building). The page that sent this photo may be older than that import: refuse
    clearly. The row lock makes an import that is deleting the survey wait for this photo,
    which it then keeps (registry.exchange.staging, _detach_photos); without it, PostgreSQL
    would check the photo's foreign key only at commit, and fail there."""
    # No ordering: the model's (by building) would join, and lock, the record's row too.
    rows = Survey.objects.select_for_update().filter(pk=survey.pk).order_by().values_list("pk")
    if not list(rows):
        raise ValidationError(
            {"survey": _("这次现场调查已不存在（可能已被导入替换），照片未保存。")}
        )


def photo_publish(*, user, photo: Photo, public: bool) -> Photo:
    """Mark a photo public, or not (permissions.PUBLISH: a reviewer or registrar of its record's
    regions, never the surveyor who uploaded it). Nothing else of a photo ever changes. A
    survey's photo marked public shows only once its survey is approved (PUBLIC_PHOTO)."""
    if not permissions.can(user, permissions.PUBLISH, photo):
        raise PermissionDenied
    with transaction.atomic():
        current = Photo.objects.select_for_update().get(pk=photo.pk)
        if current.public == public:
            return current
        before = audit.snapshot(current)
        current.public = public
        current.save(update_fields=["public"])
        audit.log(user=user, action=ChangeAction.CHANGE, obj=current, before=before)
    photo.public = public
    return current
