"""Hostile photo uploads against registry.services.photos.prepare: each refused, or stored
only as a re-encoding of its pixels (nothing of the original bytes kept raw)."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from registry.services import photos


def jpeg(size=(64, 48), exif=None, color=(180, 40, 30)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    image.save(out, format="JPEG", **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def refused(data: bytes, **kwargs) -> str:
    with pytest.raises(ValidationError) as info:
        photos.prepare(upload(data, **kwargs))
    return " ".join(info.value.messages)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # 20,000 x 20,000 pixels of one colour: a tiny PNG that would take 1.2 GB once decoded.
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 200_000
    assert refused(out.getvalue(), name="bomb.png", content_type="image/png")


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n1 0 obj<<>>endobj\n",
        b"MZ\x90\x00" + b"\x00" * 200,
        b"GIF89a" + b"\x00" * 10,  # a truncated header
        b"",
        "照片".encode() * 100,
        jpeg()[:200],  # a JPEG cut short
    ],
    ids=["pdf", "exe", "broken-gif", "empty", "text", "truncated-jpeg"],
)
def test_what_is_not_an_image_is_refused(data):
    assert refused(data)


def test_an_svg_with_script_is_refused():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
    )
    assert refused(svg, name="x.svg", content_type="image/svg+xml")


def test_a_gif_or_bmp_that_is_a_real_image_is_still_refused():
    for fmt in ("GIF", "BMP", "TIFF"):
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, format=fmt)
        assert refused(out.getvalue(), name=f"x.{fmt.lower()}")


def test_an_oversized_file_is_refused_without_reading_it_all():
    big = jpeg() + b"\x00" * (photos.MAX_BYTES + 1)
    assert refused(big)


@pytest.mark.parametrize("payload", ["html", "zip"])
def test_a_polyglot_keeps_only_its_pixels(payload):
    if payload == "html":
        tail = b"<html><script>alert(1)</script></html>"
    else:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("evil.js", "alert(1)")
        tail = archive.getvalue()
    original = jpeg() + tail  # a valid JPEG that is also an HTML page or a ZIP archive
    prepared = photos.prepare(upload(original))
    assert tail not in prepared.content and b"<script" not in prepared.content
    assert b"evil.js" not in prepared.content and b"PK\x03\x04" not in prepared.content
    assert prepared.content != original
    with Image.open(io.BytesIO(prepared.content)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)


def test_exif_gps_is_stripped_and_the_day_kept():
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0132] = "2024:05:06 10:11:12"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (37.0, 12.0, 0.0)
    gps[3], gps[4] = "E", (112.0, 10.0, 0.0)
    original = jpeg(exif=exif)
    with Image.open(io.BytesIO(original)) as probe:
        assert probe.getexif().get_ifd(0x8825)  # the test file really has a position
    prepared = photos.prepare(upload(original))
    with Image.open(io.BytesIO(prepared.content)) as image:
        assert not image.getexif().get_ifd(0x8825)
        assert 0x010F not in image.getexif()
        assert "exif" not in image.info
    assert b"CameraMaker" not in prepared.content and b"CameraMaker" not in prepared.thumbnail
    assert str(prepared.captured_on) == "2024-05-06"
