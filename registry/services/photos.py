"""Photos: verified, stripped, re-encoded and thumbnailed once, at upload.

An upload is refused unless Pillow reads it as a real JPEG, PNG or WebP image within the size
and pixel limits (a decompression bomb is an error, never a warning). What is stored is only
a re-encoding of its pixels: EXIF (GPS position, camera, owner) and any other metadata are
gone, the EXIF orientation applied first, and the capture day (EXIF DateTimeOriginal) kept in
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
MAX_PIXELS = 40_000_000  # a 40-megapixel camera; far below what would exhaust memory
MAX_SIDE = 12_000
ALLOWED = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMB_SIDE = 320
EXIF_IFD, DATETIME_ORIGINAL, DATETIME = 0x8769, 36867, 306

# Pillow's own guard: larger images raise DecompressionBombError while being opened.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _reencode(data)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(_("图片像素过多，已拒绝。")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("不是可读取的图片文件。")) from exc


def _reencode(data: bytes) -> PreparedPhoto:
    with Image.open(io.BytesIO(data)) as probe:
        if probe.format not in ALLOWED:
            raise ValidationError(_("只接受 JPEG、PNG 或 WebP 格式的照片。"))
        width, height = probe.size
        if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
            raise ValidationError(_("图片像素过多，已拒绝。"))
        probe.verify()  # checks the file's structure; the image must be opened again after
    with Image.open(io.BytesIO(data)) as image:
        fmt = image.format
        captured_on = _capture_day(image)
        image.load()
        upright = ImageOps.exif_transpose(image)
    pixels = _without_metadata(upright, fmt)
    return PreparedPhoto(
        content=_encode(pixels, fmt),
        extension=ALLOWED[fmt],
        thumbnail=_thumbnail(pixels),
        width=pixels.width,
        height=pixels.height,
        captured_on=captured_on,
    )


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
    """A new image holding only the pixels: no EXIF, XMP, ICC or text chunks come along."""
    mode = "RGB" if fmt == "JPEG" or image.mode not in ("RGB", "RGBA", "L", "LA") else image.mode
    if image.mode in ("P", "PA", "LA") and fmt != "JPEG":
        mode = "RGBA"
    clean = Image.new(mode, image.size)
    clean.paste(image.convert(mode))
    return clean


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options = {"JPEG": {"quality": 88, "optimize": True}, "WEBP": {"quality": 88}}.get(fmt, {})
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.convert("RGB")
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
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
