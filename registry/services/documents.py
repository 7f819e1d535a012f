"""A record's documents (批复文件, 保护图则, 测绘图纸): verified at upload, then published,
unpublished or withdrawn; never deleted (registry/models/documents.py).

What is stored:
- a PDF as uploaded, once it parses (pypdf), is not encrypted (what cannot be read cannot be
  checked), starts with its header and ends with its end marker (nothing before or after:
  no HTML or ZIP riding along, a polyglot), and carries no active content: no JavaScript,
  no launch, form-submit or import action, no embedded file, no rich media, no XFA form. Those
  are refused rather than kept and served as a download: an approval, a plan or a drawing
  never needs them, the registry does not control which reader opens a downloaded file (a
  PDF reader runs its JavaScript), and a refusal tells the uploader to export the file again
  ("print to PDF" removes all of it);
- an image (JPEG, PNG, WebP) only as the photo service's re-encoding (services/photos.py):
  no metadata, no bytes of the original kept.

MAX_BYTES bounds what one upload costs: the declared size is checked before a byte is read,
and no more than MAX_BYTES + 1 bytes are ever read (Django keeps an upload above 2.5 MB in a
temporary file, not in memory). The PDF check walks every object of the file once, without
decoding page contents (pypdf decompresses object streams only, within its own output limit).
"""

import hashlib
import io
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import permissions
from registry.models import ChangeAction, Record, RecordDocument
from registry.services import audit, photos

MAX_BYTES = 20 * 1024 * 1024
# A PDF of more objects than this is refused before its objects are walked: drawings exported
# from CAD reach some tens of thousands; the bound keeps the check's time in seconds.
MAX_OBJECTS = 200_000
PDF = "application/pdf"
IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# Keys of a PDF dictionary that are active content wherever they appear (pypdf gives names
# with their #xx escapes decoded, so /J#61vaScript is /JavaScript here).
ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA", "/AA"}
)
# Actions (a dictionary's /S) that run something, send something or open another file.
# Moving to a page (/GoTo) and following a link (/URI: the reader asks first) are kept.
ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE",
     "/RichMediaExecute", "/Rendition", "/Sound", "/Movie"}
)  # fmt: skip
ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/RichMedia"})
# The longer of those names in the raw bytes, as a second look at what no cross-reference
# table lists (an object a reader would find when it rebuilds a damaged file). Not /JS nor
# /AA: three bytes turn up by chance about once in 16 MB of compressed data.
RAW_ACTIVE = re.compile(
    rb"/(?:JavaScript|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData)"
    rb"(?![A-Za-z0-9#])"
)
RAW_ESCAPED_NAME = re.compile(rb"/[A-Za-z0-9]*#[0-9A-Fa-f]{2}[A-Za-z0-9#]*")
# After the last %%EOF only an end of line (and the NUL padding some scanners add).
TAIL_ALLOWED = re.compile(rb"[\r\n\t \x00]{0,1024}")


@dataclass
class PreparedDocument:
    content: bytes
    extension: str
    content_type: str


def prepare(upload) -> PreparedDocument:
    """Verify an uploaded file; ValidationError, with the reason, if it is not acceptable."""
    too_big = _("文件不能超过 %(mb)s MB。") % {"mb": MAX_BYTES // 1024 // 1024}
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(too_big)
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(too_big)
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return PreparedDocument(content=data, extension="pdf", content_type=PDF)
    if not _looks_like_image(data):
        raise ValidationError(_("只接受 PDF 文件或 JPEG、PNG、WebP 图片。"))
    image = photos.reencoded(data)
    return PreparedDocument(
        content=image.content,
        extension=image.extension,
        content_type=IMAGE_TYPES[image.extension],
    )


def _looks_like_image(data: bytes) -> bool:
    return (
        data.startswith(b"\xff\xd8\xff")
        or data.startswith(b"\x89PNG\r\n\x1a\n")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    )


def _check_pdf(data: bytes) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0 or not TAIL_ALLOWED.fullmatch(data[end + 5 :]):
        raise ValidationError(_("PDF 文件不完整，或在文件末尾之后还附有其他内容。"))
    if RAW_ACTIVE.search(data) or any(
        _active_name(name) for name in RAW_ESCAPED_NAME.findall(data)
    ):
        raise ValidationError(_active_message())
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("加密的 PDF 无法检查，请上传未加密的文件。"))
        if len(reader.pages) < 1:
            raise ValidationError(_("PDF 文件没有页面。"))
        active = _has_active_content(reader)
    except ValidationError:
        raise
    except Exception as exc:
        # A parser given hostile input fails in many ways (its own errors, but also KeyError,
        # TypeError, RecursionError...): whatever it is, the file is not one we can vouch for.
        raise ValidationError(_("不是可读取的 PDF 文件。")) from exc
    if active:
        raise ValidationError(_active_message())


def _active_name(raw: bytes) -> bool:
    """Is a name written with #xx escapes (/J#61vaScript) one of the active ones?"""
    decoded = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), raw)
    return bool(RAW_ACTIVE.fullmatch(decoded)) or decoded.decode("latin-1") in ACTIVE_KEYS


def _active_message() -> str:
    return _("PDF 含有脚本、自动动作或嵌入文件等活动内容，已拒绝；请用“打印为 PDF”重新导出后上传。")


def _object_numbers(reader) -> list[tuple[int, int]]:
    """Every (number, generation) the file's cross-reference tables list, object streams'
    contents included."""
    numbers = {(n, g) for g, table in reader.xref.items() for n in table}
    numbers.update((n, 0) for n in reader.xref_objStm)
    return sorted(numbers)


def _has_active_content(reader) -> bool:
    from pypdf.generic import IndirectObject

    numbers = _object_numbers(reader)
    if len(numbers) > MAX_OBJECTS:
        raise ValidationError(_("PDF 对象过多（上限 %(n)s 个）。") % {"n": MAX_OBJECTS})
    seen_trailer = _active_value(reader.trailer)
    return seen_trailer or any(
        _active_value(reader.get_object(IndirectObject(n, g, reader))) for n, g in numbers
    )


def _active_value(value) -> bool:
    """Active content in this value or the direct objects inside it. References are not
    followed: every indirect object is looked at on its own (_has_active_content), so a cycle
    of references costs nothing."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            continue
        if isinstance(item, DictionaryObject | StreamObject):
            keys = set(item.keys())
            if keys & ACTIVE_KEYS:
                return True
            if str(item.get("/S", "")) in ACTIVE_ACTIONS:
                return True
            if str(item.get("/Type", "")) in ACTIVE_TYPES:
                return True
            stack.extend(v for v in item.values() if not isinstance(v, IndirectObject))
        elif isinstance(item, ArrayObject):
            stack.extend(v for v in item if not isinstance(v, IndirectObject))
    return False


def document_attach(
    *,
    user,
    record: Record,
    title: str,
    kind: str,
    public: bool = False,
    upload=None,
    prepared: PreparedDocument | None = None,
) -> RecordDocument:
    """Store a document of a record (verified first if given as an upload)."""
    prepared = prepared or prepare(upload)
    document = RecordDocument(
        record=record,
        title=title,
        kind=kind,
        public=public,
        content_type=prepared.content_type,
        size=len(prepared.content),
        sha256=hashlib.sha256(prepared.content).hexdigest(),
        uploaded_by=user,
    )
    if not permissions.can(user, permissions.ADD, document):
        raise PermissionDenied
    document.full_clean(exclude=["file"])  # before any file is written for it
    with transaction.atomic():
        name = f"{document.sha256[:20]}.{prepared.extension}"
        document.file.save(name, ContentFile(prepared.content), False)
        document.full_clean()
        document.save()
        audit.log(user=user, action=ChangeAction.CREATE, obj=document)
    return document


CHANGEABLE = ("title", "kind", "public")


def document_update(*, user, document: RecordDocument, withdrawn: bool | None = None, **data):
    """Change a document's title, kind or publication, or withdraw it (withdrawn=True; False
    puts it back). The file itself never changes: a new version is a new document."""
    if not permissions.can(user, permissions.CHANGE, document):
        raise PermissionDenied
    if unknown := set(data) - set(CHANGEABLE):
        raise ValueError(f"not changeable: {sorted(unknown)}")
    with transaction.atomic():
        current = RecordDocument.objects.select_for_update().get(pk=document.pk)
        before = audit.snapshot(current)
        for field, value in data.items():
            setattr(current, field, value)
        if withdrawn is not None and withdrawn != (current.withdrawn_at is not None):
            current.withdrawn_at = timezone.now() if withdrawn else None
        if audit.snapshot(current) == before:
            return current
        current.full_clean()
        current.save()
        audit.log(user=user, action=ChangeAction.CHANGE, obj=current, before=before)
    return current
