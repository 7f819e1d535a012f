"""Records' documents: what an upload must be (registry.services.documents.prepare: a real
PDF without active content, or an image re-encoded), who adds and changes them, the change log,
and how their files are served at /media/ (registry/views/media.py): public ones to anyone,
PDFs never inline, the rest only to staff of the record's region (404 to anyone else)."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from PIL import Image

from registry.models import ChangeLog, RecordDocument
from registry.services import documents
from tests.document_builders import media_world, pdf_bytes, upload
from tests.workflow_builders import jpeg_bytes, user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.HERITAGE_MEDIA_ACCEL_REDIRECT = ""
    return tmp_path


def refused(data: bytes, name="f.pdf", content_type="application/pdf") -> str:
    with pytest.raises(ValidationError) as info:
        documents.prepare(upload(data, name, content_type))
    return " ".join(info.value.messages)


ACTIVE = "活动内容"


# --- What an upload must be ------------------------------------------------------------------


def test_a_plain_pdf_is_kept_as_uploaded():
    data = pdf_bytes()
    prepared = documents.prepare(upload(data))
    assert (prepared.content, prepared.content_type, prepared.extension) == (
        data,
        "application/pdf",
        "pdf",
    )


def test_an_opening_view_is_not_active_content():
    # /OpenAction with a destination (open at page 1, fit): LaTeX and Word write it.
    assert documents.prepare(upload(pdf_bytes(b"/OpenAction [3 0 R /Fit]"))).extension == "pdf"


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body><script>alert(document.cookie)</script></body></html>",
        b"<!DOCTYPE html>\n%PDF-1.4 <script>alert(1)</script>",
        b"MZ\x90\x00" + b"\x00" * 100,
        b"PK\x03\x04" + b"\x00" * 100,
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"",
    ],
    ids=["html", "html-then-pdf-header", "exe", "zip", "svg", "empty"],
)
def test_what_is_neither_a_pdf_nor_an_image_is_refused(data):
    assert "只接受 PDF" in refused(data)


@pytest.mark.parametrize(
    "catalog, objects",
    [
        (b"/OpenAction 5 0 R", (b"<< /S /JavaScript /JS (app.alert(1)) >>",)),
        (
            b"/Names << /JavaScript 5 0 R >>",
            (b"<< /Names [(a) 6 0 R] >>", b"<< /S /JavaScript /JS (x) >>"),
        ),
        (b"/OpenAction << /S /Launch /F (cmd.exe) >>", ()),
        (b"/OpenAction << /S /SubmitForm /F (http://x.example/) >>", ()),
        (b"/Names << /EmbeddedFiles 5 0 R >>", (b"<< /Names [] >>",)),
        (b"/AcroForm << /Fields [] /XFA 5 0 R >>", (b"<< /Length 0 >>\nstream\n\nendstream",)),
        # Names written with #xx escapes, which readers decode: /JavaScript, /Launch.
        (b"/OpenAction << /S /J#61vaScript /J#53 (x) >>", ()),
        (b"/OpenAction 5 0 R", (b"<< /S /L#61unch /F (calc) >>",)),
        # /JS in an action that is otherwise harmless.
        (b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /JS (app.alert(1)) >>", ()),
        (b"/Pages 2 0 R /AA << /WC << /S /GoTo /D [3 0 R /Fit] >> >>", ()),
        (b"/Pages 2 0 R", (b"<< /Type /Annot /Subtype /FileAttachment /FS 6 0 R >>",)),
        # NUL and form feed are PDF whitespace, so delimiters.
        (b"/OpenAction << /S /JavaScript\x00/JS\x00(app.alert(1)) >>", ()),
        (b"/AA\x00<< /WC << /S /Launch\x00/F (calc.exe) >> >>", ()),
        (b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /JS\x0c(app.alert(1)) >>", ()),
    ],
    ids=[
        "openaction-js",
        "names-js",
        "launch",
        "submitform",
        "embedded-file",
        "xfa",
        "escaped-js",
        "escaped-launch",
        "js-key-in-goto",
        "additional-actions",
        "file-attachment",
        "nul-delimited-js",
        "nul-delimited-aa",
        "form-feed-delimited-js",
    ],  # fmt: skip
)
def test_a_pdf_with_active_content_is_refused(catalog, objects):
    assert ACTIVE in refused(pdf_bytes(catalog, objects))


@pytest.mark.parametrize(
    "catalog",
    [
        b"/Lang (x >>stream\n) /OpenAction << /S /JavaScript /JS (1) >> /T (endstream)",
        b"/Lang (stream\n) /AcroForm << /Fields [] /XFA (x) >> /T (endstream)",
        b"/Lang (stream\n) /OpenAction << /JS (app.alert(1)) >> /T (endstream)",
        b"/Lang (a (b) stream\n) /OpenAction << /JS (1) >> /T (endstream)",
        b"/Lang <stream\n> /OpenAction << /JS (1) >> /T (endstream)",
        b"%stream\n/OpenAction << /JS (1) >> /T (endstream)",
    ],
    ids=["string", "string-xfa", "string-js", "nested-string", "hex-string", "comment"],
)
def test_a_stream_keyword_in_a_string_or_comment_is_refused(catalog):
    # Written to hide what follows, up to an "endstream", from the full check of the syntax.
    assert "不是可读取的 PDF" in refused(pdf_bytes(catalog))


def test_strings_and_comments_without_stream_keywords_are_accepted():
    catalog = b"/Lang (zh (CN) \\) \\( streams) /T <FEFF> /U (a%b) %streamer\n"
    assert documents.prepare(upload(pdf_bytes(catalog))).extension == "pdf"


@pytest.mark.parametrize(
    "old, new",
    [
        (b"/Type /ObjStm", b"/Type 9 0 R  "),  # /Type a reference (to the name /ObjStm)
        (b"/Type /ObjStm", b"/Type /XObject"),  # another type, the keys of an object stream
        (b"/Type /ObjStm", b"/Type\x00/ObjStm"),
    ],
    ids=["type-reference", "type-xobject", "nul-before-type"],
)
def test_an_object_stream_is_inflated_whatever_its_type(old, new):
    from tests.document_builders import pdf_with_object_stream

    hostile = pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>").replace(old, new)
    assert ACTIVE in refused(hostile)
    harmless = pdf_with_object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>").replace(old, new)
    assert documents.prepare(upload(harmless)).extension == "pdf"


@pytest.mark.parametrize(
    "unit",
    [b"/a#41 ", b"(stream\n)endstream ", b">>stream\nendstream ", b"(a) ", b"((a)) ", b"% c\n"],
    ids=["escaped-names", "string-streams", "streams", "strings", "nested", "comments"],
)
def test_checking_a_hostile_pdf_of_the_largest_size_is_bounded(unit):
    import time

    filler = unit * ((documents.MAX_BYTES - 2000) // len(unit))
    data = pdf_bytes(b"/Z [" + filler + b"]")
    started = time.perf_counter()
    with pytest.raises(ValidationError):
        documents._has_active_content(data)  # the scan alone: pypdf's own time is not ours
    # Before the caps: 18 s for /a#41, 8.6 s for (stream\n)endstream; see the report.
    assert time.perf_counter() - started < 10


def test_an_encrypted_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert "加密" in refused(out.getvalue())


@pytest.mark.parametrize(
    "data",
    [
        pdf_bytes() + b"PK\x03\x04" + b"\x00" * 30,  # a PDF that is also a ZIP
        pdf_bytes() + b"<html><script>alert(1)</script></html>",  # ...and HTML
        pdf_bytes()[:-60],  # cut short
    ],
    ids=["pdf+zip", "pdf+html", "truncated"],
)
def test_nothing_may_follow_the_end_of_a_pdf(data):
    assert "末尾" in refused(data)


def test_a_pdf_that_does_not_parse_is_refused():
    broken = pdf_bytes().replace(b"/Type /Pages", b"/Type /Pag(").replace(b"xref", b"xxxx")
    assert "不是可读取的 PDF" in refused(broken)


def test_a_huge_declared_size_is_refused_before_anything_is_read():
    class Huge:
        size = 10 * 1024**3  # what the upload handler measured

        def seek(self, offset):
            raise AssertionError("read")

        def read(self, n=-1):
            raise AssertionError("read")

    with pytest.raises(ValidationError, match="20 MB"):
        documents.prepare(Huge())


def test_more_bytes_than_declared_are_read_only_up_to_the_limit(monkeypatch):
    monkeypatch.setattr(documents, "MAX_BYTES", 1000)
    reads = []

    class Lying(io.BytesIO):
        size = 10  # declares little, holds more

        def read(self, n=-1):
            reads.append(n)
            return super().read(n)

    with pytest.raises(ValidationError, match="MB"):
        documents.prepare(Lying(pdf_bytes(text="x" * 2000)))
    assert reads == [1001]


def test_an_image_is_stored_only_as_its_reencoding():
    # A JPEG with HTML after its end (a JPEG/HTML polyglot): what is stored is new pixels only.
    data = jpeg_bytes(size=(120, 80)) + b"<html><script>alert(1)</script></html>"
    prepared = documents.prepare(upload(data, "x.jpg", "image/jpeg"))
    assert prepared.content_type == "image/jpeg" and prepared.content != data
    assert b"<script" not in prepared.content
    assert Image.open(io.BytesIO(prepared.content)).size == (120, 80)


def test_an_image_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG", optimize=True)
    assert "像素" in refused(out.getvalue(), "bomb.png", "image/png")


# --- Who adds and changes them; the change log ---------------------------------------------


@pytest.mark.django_db
def test_attach_and_change_are_logged_and_scoped():
    world = media_world()
    doc = world["public_pdf"]
    assert doc.size == len(pdf_bytes()) and len(doc.sha256) == 64
    assert doc.file.name.startswith("documents/") and doc.file.name.endswith(".pdf")
    created = ChangeLog.objects.get(object_type="registry.recorddocument", object_id=doc.pk,
                                    action="create")  # fmt: skip
    assert created.record_id == world["building"].pk and created.region_id == "140728"
    assert created.after["title"] == doc.title and created.user == world["local"]

    documents.document_update(user=world["local"], document=doc, public=False)
    change = ChangeLog.objects.filter(object_id=doc.pk, action="change").latest("id")
    assert (change.before["public"], change.after["public"]) == (True, False)
    # Nothing changed, nothing logged.
    n = ChangeLog.objects.count()
    documents.document_update(user=world["local"], document=doc, public=False)
    assert ChangeLog.objects.count() == n

    with pytest.raises(PermissionDenied):  # outside their regions
        documents.document_update(user=world["far"], document=doc, public=True)
    with pytest.raises(PermissionDenied):
        documents.document_attach(user=world["far"], record=world["building"], title="x",
                                  kind="other", upload=upload(pdf_bytes()))  # fmt: skip
    reviewer = user("rev", "reviewer", password=None)
    with pytest.raises(PermissionDenied):  # reviewers judge surveys, they do not add files
        documents.document_attach(user=reviewer, record=world["building"], title="x",
                                  kind="other", upload=upload(pdf_bytes()))  # fmt: skip
    assert world["withdrawn_pdf"].withdrawn_at is not None


@pytest.mark.django_db
def test_a_refused_upload_writes_nothing(media):
    world = media_world()
    before = (RecordDocument.objects.count(), ChangeLog.objects.count())
    files = sorted(p for p in media.rglob("*") if p.is_file())
    with pytest.raises(ValidationError):
        documents.document_attach(user=world["local"], record=world["building"], title="x",
                                  kind="other", upload=upload(b"<html></html>"))  # fmt: skip
    assert (RecordDocument.objects.count(), ChangeLog.objects.count()) == before
    assert sorted(p for p in media.rglob("*") if p.is_file()) == files


# --- Serving the files -----------------------------------------------------------------------


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_public_pdf_is_a_sandboxed_attachment(client):
    doc = media_world()["public_pdf"]
    response = client.get(doc.file.url)
    assert response.status_code == 200
    assert _body(response) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''" in response["Content-Disposition"]  # the title, encoded
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("public")


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_public_image_document_is_shown_inline(client):
    doc = media_world()["public_image"]
    response = client.get(doc.file.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")


@pytest.mark.django_db
@override_settings(DEBUG=False)
@pytest.mark.parametrize("which", ["private_pdf", "withdrawn_pdf"])
def test_a_document_not_public_is_not_found_but_by_staff_of_its_region(client, which):
    world = media_world()
    url = world[which].file.url
    assert client.get(url).status_code == 404  # anonymous
    client.force_login(world["far"])
    assert client.get(url).status_code == 404  # another region's staff
    client.force_login(world["local"])
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_an_unknown_document_name_is_not_found(client):
    media_world()
    for name in ["documents/nope.pdf", "documents/../photos/x.jpg", "documents/"]:
        assert client.get(f"/media/{name}").status_code == 404, name


# --- The admin -------------------------------------------------------------------------------


def _prefix(data: dict, stored: bool) -> str:
    """The prefix of the record page's documents formset: the stored documents' or the
    uploads' (which starts with no initial forms)."""
    prefixes = [
        k.removesuffix("-TOTAL_FORMS")
        for k in data
        if k.endswith("-TOTAL_FORMS") and "documents" in k
    ]
    return next(p for p in prefixes if (data[f"{p}-INITIAL_FORMS"] != "0") == stored)


def _row(data: dict, prefix: str, pk: int) -> str:
    return next(
        k.removesuffix("-id")
        for k in data
        if k.startswith(prefix) and k.endswith("-id") and data[k] == str(pk)
    )


@pytest.mark.django_db
def test_the_admin_uploads_publishes_and_withdraws_through_the_service(client):
    from django.urls import reverse

    from tests.admin_forms import change_form

    world = media_world()
    building = world["building"]
    client.force_login(user("editor", "surveyor"))
    url = reverse("admin:registry_record_change", args=[building.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert world["private_pdf"].title in page.content.decode()
    data = change_form(page)
    new = _prefix(data, stored=False)
    data[f"{new}-0-title"] = "保护图则（2025 年修订）"
    data[f"{new}-0-kind"] = "plan"
    data[f"{new}-0-public"] = "on"
    data[f"{new}-0-upload"] = upload(pdf_bytes(text="2025"))
    # Unpublish the public PDF (a row of the stored documents).
    row = _row(data, _prefix(data, stored=True), world["public_pdf"].pk)
    data.pop(f"{row}-public")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = RecordDocument.objects.get(title="保护图则（2025 年修订）")
    assert added.public and added.uploaded_by.username == "editor"
    world["public_pdf"].refresh_from_db()
    assert world["public_pdf"].public is False
    logged = ChangeLog.objects.filter(
        object_type="registry.recorddocument", user__username="editor"
    )
    assert sorted(logged.values_list("action", flat=True)) == ["change", "create"]


@pytest.mark.django_db
def test_the_admin_refuses_a_hostile_upload_with_its_reason(client):
    from django.urls import reverse

    from tests.admin_forms import change_form

    world = media_world()
    client.force_login(user("editor", "surveyor"))
    url = reverse("admin:registry_record_change", args=[world["building"].pk])
    data = change_form(client.get(url))
    new = _prefix(data, stored=False)
    hostile = pdf_bytes(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    data.update({f"{new}-0-title": "x", f"{new}-0-kind": "other",
                 f"{new}-0-upload": upload(hostile)})  # fmt: skip
    n = RecordDocument.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200
    assert ACTIVE in response.content.decode()
    assert RecordDocument.objects.count() == n


@pytest.mark.django_db
def test_a_reviewer_sees_the_documents_read_only(client):
    from django.urls import reverse

    world = media_world()
    client.force_login(user("rev", "reviewer"))
    page = client.get(reverse("admin:registry_record_change", args=[world["building"].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert world["private_pdf"].title in html and world["withdrawn_pdf"].title in html
    assert 'type="file"' not in html  # no upload row: reviewers add no files
    # Yes icons in the documents' rows, which come after the photos' (those have their own):
    # three public documents (the withdrawn one included) and one withdrawn.
    assert html.split('id="documents-group"', 1)[1].count('alt="True"') == 4
    listing = client.get(reverse("admin:registry_recorddocument_changelist"))
    assert listing.status_code == 200 and world["public_pdf"].title in listing.content.decode()


def test_active_content_compressed_in_an_object_stream_is_found():
    from tests.document_builders import pdf_with_object_stream

    # The same file with a harmless action is accepted: the structure itself is sound.
    harmless = pdf_with_object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>")
    assert documents.prepare(upload(harmless)).extension == "pdf"
    hostile = pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    assert b"JavaScript" not in hostile  # compressed: invisible to a scan of the bytes
    assert ACTIVE in refused(hostile)


def test_a_pdf_listing_too_many_objects_is_refused_before_pypdf_reads_it(monkeypatch):
    monkeypatch.setattr(documents, "MAX_OBJECTS", 50)
    many = pdf_bytes(objects=tuple(b"<< /K %d >>" % i for i in range(60)))
    assert "对象过多" in refused(many)
    declared = pdf_bytes().replace(b"/Size 5", b"/Size 900000000")
    assert "对象过多" in refused(declared)


def test_an_object_stream_that_inflates_without_end_is_refused(monkeypatch):
    from tests.document_builders import pdf_with_object_stream

    monkeypatch.setattr(documents, "MAX_INFLATED", 100_000)
    bomb = pdf_with_object_stream(b"<< /K [" + b"0 " * 200_000 + b"] >>")
    assert len(bomb) < 5_000
    assert "压缩内容过多" in refused(bomb)


def test_checking_a_large_pdf_is_bounded():
    import time

    # 20,000 objects of long arrays (12 MB): pypdf's object walk took 66 s and 267 MB here.
    row = b"[" + b" ".join(b"%d" % i for i in range(180)) + b"]"
    data = pdf_bytes(objects=tuple(b"<< /K %s >>" % row for _ in range(20_000)))
    started = time.perf_counter()
    assert documents.prepare(upload(data)).extension == "pdf"
    assert time.perf_counter() - started < 15  # about 2 s alone on 2 shared cores


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_behind_nginx_the_rule_and_the_headers_stay_here(client, settings):
    world = media_world()
    settings.HERITAGE_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    public = client.get(world["public_pdf"].file.url)
    assert public["X-Accel-Redirect"] == "/protected-media/" + world["public_pdf"].file.name
    assert public["Content-Disposition"].startswith("attachment")
    assert public["Content-Security-Policy"] == "sandbox"
    assert client.get(world["private_pdf"].file.url).status_code == 404


def test_a_download_name_keeps_no_format_characters():
    """A right-to-left override in a title would show 'a\u202egpj.exe.pdf' as 'afdp.exe.jpg'."""
    from registry.views.media import download_name

    assert download_name("a\u202egpj.exe") == "agpj.exe"
    assert download_name("批复/文件\\一") == "批复_文件_一"
    assert download_name("\u200b\u2066") == "document"
