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


def upload(data: bytes, name: str = "file.pdf", content_type: str = "application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def media_world() -> dict:
    """A designated building in 140728 (Pingyao, Shanxi) with photos of every kind and state:
    its own, of an approved survey, and of a submitted, a rejected and a draft survey; and
    documents: a public PDF, a private PDF, a withdrawn one and a public image. Every photo is
    marked public. A surveyor of Shanxi (who uploaded everything) and one of Beijing."""
    import datetime

    from registry.models import Record, Survey
    from registry.services import documents, photos
    from tests.workflow_builders import jpeg_bytes, user

    building = Record.objects.create(
        code="JZ-B-0100", kind="building", name="张氏宗祠", level="provincial",
        region_id="140728", designated_on=datetime.date(2010, 1, 1), address="平遥县南大街 12 号",
        lat=37.2005, lon=112.1712,
    )  # fmt: skip
    local = user("local", "surveyor", regions=("140000",), password=None)
    far = user("far", "surveyor", regions=("110000",), password=None)
    world = {"building": building, "local": local, "far": far}
    surveys = {}
    for n, state in enumerate(("approved", "submitted", "rejected", "draft"), start=1):
        surveys[state] = Survey.objects.create(
            building=building, surveyed_on=datetime.date(2024, n, 1), occupancy="in_use",
            created_by=local,
        )  # fmt: skip
    colors = {"own": (150, 40, 30), "approved": (40, 120, 60), "submitted": (30, 30, 160),
              "rejected": (160, 160, 30), "draft": (90, 90, 90)}  # fmt: skip
    for which, color in colors.items():
        image = upload(jpeg_bytes(size=(640, 480), color=color), "p.jpg", "image/jpeg")
        survey = surveys.get(which)
        world[which] = photos.photo_attach(
            user=local, upload=image, record=None if survey else building, survey=survey,
            caption={"own": "正立面", "approved": "院落"}.get(which, f"{which} 照片"),
        )  # fmt: skip
    # Every photo marked public by a reviewer (Photo.public): those of surveys not approved
    # stay hidden all the same (permissions.PUBLIC_PHOTO).
    reviewer = user("reviewer", "reviewer", regions=("140000",), password=None)
    for which in colors:
        world[which] = photos.photo_publish(user=reviewer, photo=world[which], public=True)
    for state, survey in surveys.items():
        Survey.objects.filter(pk=survey.pk).update(state=state)
    docs = {
        "public_pdf": ("平遥县人民政府关于公布历史建筑的批复", "approval", True, pdf_bytes()),
        "private_pdf": ("张氏宗祠测绘图（内部）", "drawing", False, pdf_bytes(text="internal")),
        "withdrawn_pdf": ("旧版保护图则", "plan", True, pdf_bytes(text="old")),
        "public_image": ("保护范围示意图", "plan", True, jpeg_bytes(size=(300, 200))),
    }
    for key, (title, kind, public, data) in docs.items():
        name, ctype = ("f.jpg", "image/jpeg") if data[:2] == b"\xff\xd8" else ("f.pdf", PDF)
        world[key] = documents.document_attach(
            user=local, record=building, title=title, kind=kind, public=public,
            upload=upload(data, name, ctype),
        )  # fmt: skip
    documents.document_update(user=local, document=world["withdrawn_pdf"], withdrawn=True)
    world["withdrawn_pdf"].refresh_from_db()
    return world


PDF = "application/pdf"


def pdf_with_object_stream(hidden: bytes) -> bytes:
    """A PDF 1.5 whose catalog opens object 5, which lies compressed in an object stream
    (object 6) listed by a cross-reference stream (object 7): what a scan of the raw bytes
    cannot see."""
    import zlib

    header = b"5 0 "
    packed = zlib.compress(header + hidden)
    stream = b"BT /F1 12 Tf 20 100 Td (heritage) Tj ET"
    bodies = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        4: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        6: b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\n"
        b"endstream" % (len(header), len(packed), packed),
    }
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in bodies.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[7] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    for number in range(1, 8):
        if number == 5:  # in object stream 6, at index 0
            rows.append(b"\x02" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big"))
        else:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out += (
        b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\n"
        b"endstream\nendobj\n" % (len(table), table)
    )
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[7]
    return bytes(out)
