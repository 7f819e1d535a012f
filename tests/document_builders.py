"""PDFs for document tests, written byte by byte: a valid one, and the same with whatever a
hostile file would add (an action in its catalog, an embedded file, bytes before or after)."""


def pdf_bytes(catalog_extra: bytes = b"", objects: tuple[bytes, ...] = (), text: str = "") -> bytes:
    """A one-page PDF with a correct cross-reference table. `catalog_extra` goes into the
    catalog dictionary; `objects` are added as objects 5, 6, ... (refer to them as `5 0 R`)."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text or 'heritage'}) Tj ET".encode()
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        *objects,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(out)
