"""A PDF of whole-page grey images, written as the pages come: for plaque sheets.

Pillow writes PDFs too, but only from a list of every page at once (PdfImagePlugin counts the
pages before it writes the first), so 50 A4 pages at 300 dpi would sit in memory together. Here
each page is compressed and yielded before the next is asked for; the page tree, which has to
name every page, goes at the end, where PDF allows it (the cross-reference table finds it).
"""

import zlib
from collections.abc import Iterable, Iterator

from PIL import Image

HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"  # the binary comment marks the file as binary
CATALOG, PAGES, FIRST_PAGE_OBJECT = 1, 2, 3  # a page is three objects: image, content, page


def pdf_pages(pages: Iterable[Image.Image], dpi: int) -> Iterator[bytes]:
    """The PDF's bytes, a page at a time; each image fills its page ("L" mode, lossless)."""
    offsets: dict[int, int] = {}
    position = len(HEADER)

    def write(number: int, body: bytes, stream: bytes | None = None) -> bytes:
        nonlocal position
        offsets[number] = position
        chunk = b"%d 0 obj\n%s\n" % (number, body)
        if stream is not None:
            chunk += b"stream\n%s\nendstream\n" % stream
        chunk += b"endobj\n"
        position += len(chunk)
        return chunk

    yield HEADER + write(CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % PAGES)
    kids = []
    for image in pages:
        image_obj = FIRST_PAGE_OBJECT + 3 * len(kids)
        width, height = image.size
        points = (b"%.2f" % (width * 72 / dpi), b"%.2f" % (height * 72 / dpi))  # 1/72 inch
        pixels = zlib.compress(image.convert("L").tobytes())
        head = (
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>"
        )
        chunk = write(image_obj, head % (width, height, len(pixels)), pixels)
        draw = b"q %s 0 0 %s 0 0 cm /Im0 Do Q" % points  # the image scaled to the page
        chunk += write(image_obj + 1, b"<< /Length %d >>" % len(draw), draw)
        chunk += write(
            image_obj + 2,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Contents %d 0 R "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> >>"
            % (PAGES, *points, image_obj + 1, image_obj),
        )
        kids.append(image_obj + 2)
        yield chunk
    tree = write(
        PAGES,
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % kid for kid in kids), len(kids)),
    )
    xref_at, size = position, max(offsets) + 1
    entries = b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size))
    yield tree + (
        b"xref\n0 %d\n0000000000 65535 f \n%strailer\n<< /Size %d /Root %d 0 R >>\n"
        b"startxref\n%d\n%%%%EOF\n" % (size, entries, size, CATALOG, xref_at)
    )
