"""Peak memory and time of one photo upload (registry.services.photos.prepare), per image.

    .venv/bin/python -m bench.upload_memory

Each image is written to a file first, then prepared in a fresh subprocess: its peak resident
memory (resource.getrusage ru_maxrss) is read once Django and the service are imported and
again after prepare(), so the figure is what the upload itself added. Not a test: it measures.
"""

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import resource, sys, time
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from registry.services import photos
data = open(sys.argv[1], "rb").read()
upload = SimpleUploadedFile("x", data)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    prepared = photos.prepare(upload)
    outcome = f"stored {prepared.width}x{prepared.height}"
except ValidationError as exc:
    outcome = "refused: " + " ".join(exc.messages)
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{(after - before) / 1024:.0f}|{after / 1024:.0f}|{seconds:.2f}|{outcome}")
"""


def images():
    """(label, bytes): the review's panorama PNG, and the largest of each accepted format."""
    from PIL import Image, ImageDraw

    def drawn(size, mode="RGB"):
        image = Image.new(mode, size, "white")
        draw = ImageDraw.Draw(image)
        for x in range(0, size[0], 1009):
            draw.line((x, 0, size[0] - x, size[1]), fill=(x % 255, 90, 160), width=9)
        return image

    def encoded(image, fmt, **options):
        out = io.BytesIO()
        image.save(out, format=fmt, **options)
        return out.getvalue()

    panorama = drawn((12_000, 3_333))
    yield "PNG 12000x3333 (the review's)", encoded(panorama, "PNG")
    del panorama
    phone = drawn((8_160, 6_120))  # a 50 MP phone's full-resolution photo
    yield "JPEG 8160x6120 (50 MP phone)", encoded(phone, "JPEG", quality=90)
    del phone
    iphone = drawn((5_712, 4_284))  # an iPhone's default 24 MP
    yield "JPEG 5712x4284 (24 MP iPhone)", encoded(iphone, "JPEG", quality=90)
    del iphone
    square = drawn((5_000, 5_000))  # the largest accepted
    yield "JPEG 5000x5000 baseline", encoded(square, "JPEG", quality=90)
    yield (
        "JPEG 5000x5000 progressive 4:4:4",
        encoded(square, "JPEG", quality=90, progressive=True, subsampling=0),
    )
    yield (
        "JPEG 5000x5000 progressive CMYK",
        encoded(square.convert("CMYK"), "JPEG", quality=90, progressive=True, subsampling=0),
    )
    turned = Image.Exif()
    turned[0x0112] = 6
    yield "JPEG 5000x5000 turned (EXIF)", encoded(square, "JPEG", quality=90, exif=turned)
    yield "PNG 5000x5000", encoded(square, "PNG", compress_level=1)
    yield "WebP 5000x5000", encoded(square, "WEBP", quality=80, method=0)
    del square
    yield "WebP 3535x3535", encoded(drawn((3_535, 3_535)), "WEBP", quality=80, method=0)
    default = drawn((4_032, 3_024))  # a phone's default 12 MP
    yield "JPEG 4032x3024 (12 MP phone)", encoded(default, "JPEG", quality=90)
    yield "PNG 4032x3024", encoded(default, "PNG")
    yield "WebP 4032x3024", encoded(default, "WEBP", quality=90)


def main() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "heritage.settings"}
    print(f"{'image':36} {'KB':>7} {'+MB':>6} {'peak MB':>8} {'s':>6}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        # Written by a child: Linux keeps a process's peak memory across fork and exec, so
        # this process stays small for the children that measure.
        subprocess.run([sys.executable, "-m", "bench.upload_memory", "--write", tmp],
                       cwd=ROOT, check=True)  # fmt: skip
        for path in sorted(Path(tmp).iterdir()):
            label, data = path.name[3:], path.read_bytes()
            result = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)],
                cwd=ROOT, env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            added, peak, seconds, outcome = result.stdout.strip().splitlines()[-1].split("|")
            print(f"{label:36} {len(data) // 1024:>7} {added:>6} {peak:>8} {seconds:>6}  {outcome}")


def write(directory: str) -> None:
    for n, (label, data) in enumerate(images()):
        (Path(directory) / f"{n:02} {label}").write_bytes(data)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write(sys.argv[2])
    else:
        main()
