"""Hostile photo uploads against registry.services.photos.prepare: each refused, or stored
only as a re-encoding of its pixels (nothing of the original bytes kept raw)."""

import io
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

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


# --- What an accepted upload may cost (item 12 of the hostile review) -------------------------
# A 12000 x 3333 PNG of 165 KB, inside the old 40 MP limit, took 610 MB and 4.4 s to prepare.
# Each case runs prepare() in a subprocess whose address space is capped (RLIMIT_AS) at what it
# had once Django and Pillow were loaded plus MEMORY_BOUND_MB: beyond it, allocation fails. The
# costliest accepted file (a progressive CMYK JPEG of 25 MP) needs 287 MB (bench.upload_memory).
MEMORY_BOUND_MB = 320

PREPARE_CAPPED = """
import resource, sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from registry.services import photos
data = open(sys.argv[1], "rb").read()
size = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmSize"))
limit = size * 1024 + int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
prepared = photos.prepare(SimpleUploadedFile("x", data))
print(prepared.width, prepared.height)
"""


def _largest(fmt: str, mode="RGB", **options) -> bytes:
    """A drawn square of the largest pixel count accepted in `fmt`."""
    from PIL import ImageDraw

    side = int(photos.MAX_PIXELS[fmt] ** 0.5)
    image = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(image)
    for x in range(0, side, 499):
        draw.line((x, 0, side - x, side), fill=(x % 255, 90, 160), width=9)
    out = io.BytesIO()
    image.convert(mode).save(out, format=fmt, **options)
    return out.getvalue()


def _turned() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # turned on its side: made upright, a second full-size image
    return exif


@pytest.mark.parametrize(
    "fmt,options",
    [
        ("PNG", {"compress_level": 1}),
        # Progressive, four colour channels at full resolution: libjpeg holds every coefficient
        # of the image (8 bytes a pixel) besides the pixels, the costliest JPEG to decode.
        ("JPEG", {"mode": "CMYK", "quality": 90, "progressive": True, "subsampling": 0}),
        ("JPEG", {"quality": 90, "exif": _turned()}),
        ("WEBP", {"quality": 80, "method": 0}),
    ],
    ids=["png", "jpeg-cmyk-progressive", "jpeg-turned", "webp"],
)
def test_the_largest_accepted_photo_is_prepared_within_the_memory_bound(tmp_path, fmt, options):
    path = tmp_path / "upload"
    path.write_bytes(_largest(fmt, **options))
    result = subprocess.run(
        [sys.executable, "-c", PREPARE_CAPPED, str(path), str(MEMORY_BOUND_MB)],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    width, height = map(int, result.stdout.split())
    assert width * height == int(photos.MAX_PIXELS[fmt] ** 0.5) ** 2


def test_pillows_bomb_warning_is_a_refusal_not_a_warning():
    # Between Image.MAX_IMAGE_PIXELS and twice that, Pillow only warns as it opens the file.
    side = int((Image.MAX_IMAGE_PIXELS * 1.5) ** 0.5)
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        assert "像素" in refused(out.getvalue(), name="bomb.png", content_type="image/png")
    assert not escaped


def test_the_reviews_panorama_png_is_refused_from_its_header(monkeypatch):
    # 12000 x 3333 = 40 MP: past the budget, refused before a pixel is decoded.
    out = io.BytesIO()
    Image.new("RGB", (12_000, 3_333), (90, 120, 60)).save(out, format="PNG")
    assert len(out.getvalue()) < 200_000
    decoded = []
    load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda im: decoded.append(im.size) or load(im))
    assert "像素" in refused(out.getvalue(), name="panorama.png", content_type="image/png")
    assert not decoded


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_icc_xmp_comments_and_text_chunks_are_not_kept(fmt):
    from PIL import ImageCms, PngImagePlugin

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SECRET-XMP</x:xmpmeta>'
    options = {"icc_profile": icc, "xmp": xmp}
    if fmt == "JPEG":
        options["comment"] = b"SECRET-COMMENT"
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "SECRET-TEXT")
        options["pnginfo"] = text
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(out, format=fmt, **options)
    with Image.open(io.BytesIO(out.getvalue())) as original:
        assert original.info.get("icc_profile")  # the test file really carries a profile
    prepared = photos.prepare(upload(out.getvalue()))
    assert b"SECRET" not in prepared.content and b"SECRET" not in prepared.thumbnail
    with Image.open(io.BytesIO(prepared.content)) as image:
        assert image.format == fmt
        assert not {"icc_profile", "xmp", "comment", "Author"} & set(image.info)
