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
temporary file, not in memory). The PDF check reads the file's syntax once, inflating only
its object streams (within MAX_INFLATED) and refusing a file with more than MAX_TOKENS strings,
comments and escaped names (a 20 MB hostile file is refused in about 1.5 s); pypdf then reads
its cross-reference tables and page tree, once the file lists no more than MAX_OBJECTS objects.
"""

import hashlib
import io
import re
import zlib
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
# What the object streams of one PDF may inflate to, in all (a zip bomb stops here).
MAX_INFLATED = 32 * 1024 * 1024
# pypdf reads the cross-reference tables and checks each listed object's header: about 30,000
# a second here. A file listing more objects than this (its headers, /Size, an xref stream's
# /Index) is refused before pypdf reads it. A scanned approval of 30 pages has about a hundred
# objects; an exported drawing, with its fonts and images, a few thousand.
MAX_OBJECTS = 50_000
PDF = "application/pdf"
IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# Names that are active content wherever a dictionary holds them: keys (/JS, /AA: actions run
# on events, /EF: an embedded file, /XFA: a scripted form) and the types of actions (/S) that
# run something, send something or open another file. Moving to a page (/GoTo) and following
# a link (/URI: the reader asks first) are kept, and so is a destination opened at start.
ACTIVE_NAMES = (
    "JavaScript", "JS", "AA", "Launch", "SubmitForm", "ImportData", "GoToR", "GoToE",
    "EmbeddedFile", "EmbeddedFiles", "EF", "RichMedia", "RichMediaExecute", "XFA",
    "Rendition", "Sound", "Movie", "FileAttachment",
)  # fmt: skip
# PDF whitespace is NUL, tab, line feed, form feed, carriage return and space: \s lacks NUL,
# which readers take as a space (/S /JavaScript\x00/JS...).
_WS = rb"[\s\x00]"
_DELIMITER = rb"(?=[\s\x00/\[\]<>(){}%]|\Z)"
ACTIVE = re.compile(rb"/(?:" + b"|".join(n.encode() for n in ACTIVE_NAMES) + rb")" + _DELIMITER)
# The names of five letters or more, looked for in the bytes of streams too: an object written
# where a reader's cross-reference table points, inside what this scan takes for a stream,
# would otherwise go unread. Every action names its type (/S /JavaScript, /S /Launch...), and
# so does an attachment, so these suffice there; by chance, six given bytes turn up about
# once in 2^48 bytes of compressed data.
LONG_ACTIVE = re.compile(
    rb"/(?:" + b"|".join(n.encode() for n in ACTIVE_NAMES if len(n) >= 5) + rb")" + _DELIMITER
)
# A name written with #xx escapes (/J#61vaScript), which readers decode.
ESCAPED_NAME = re.compile(rb"/[A-Za-z0-9]*#[0-9A-Fa-f]{2}(?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})*")
STREAM_START = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
# What a reader does not read as syntax: a string (balanced parentheses, \ escapes) and a
# comment (% to the end of the line). The scan skips them to find the stream keywords a reader
# sees. (The lookahead first: eight times faster over bytes that are none of these.) A hex
# string (<...>) needs no skipping: no stream keyword that follows a dictionary's >> can be in
# one, and a stream keyword must (STREAM_AFTER_DICTIONARY).
SYNTAX_TOKEN = re.compile(
    rb"(?=[s(%])(?:(?P<stream>(?<![A-Za-z])stream(?:\r\n|\n|\r))|(?P<string>\()|(?P<comment>%))"
)
STREAM_AFTER_DICTIONARY = re.compile(rb">>[\s\x00]{0,250}\Z")
FLAT_STRING = re.compile(rb"\([^()\\]*(?:\\.[^()\\]*)*\)", re.S)
STRING_PART = re.compile(rb"\\.|[()]", re.S)
LINE_END = re.compile(rb"[\r\n]")
# An object stream is known by its keys /N and /First (its /Type may be a reference, or
# another name, and a reader still reads it), or by its /Type.
OBJECT_STREAM = re.compile(rb"/Type" + _WS + rb"*/ObjStm" + _DELIMITER)
OBJECT_STREAM_KEYS = (re.compile(rb"/N" + _DELIMITER), re.compile(rb"/First" + _DELIMITER))
FLATE_ONLY = re.compile(
    rb"/Filter" + _WS + rb"*(?:/FlateDecode|\[" + _WS + rb"*/FlateDecode" + _WS + rb"*\])"
    + _DELIMITER
)  # fmt: skip
OBJECT_HEADER = re.compile(
    rb"(?=[0-9])(?<![0-9])[0-9]+" + _WS + rb"+[0-9]+" + _WS + rb"+obj" + _DELIMITER
)
SIZE = re.compile(rb"/Size" + _WS + rb"+([0-9]{1,12})")
INDEX = re.compile(rb"/Index" + _WS + rb"*\[([0-9\s\x00]{0,10000})\]")
# Strings and comments in one file's syntax, escaped names, and parentheses or
# escapes within nested strings: each costs a step of Python (about a microsecond). A file
# with more is refused: an exported drawing has a few thousand; 19 MB of /a#41 has 4 million.
MAX_TOKENS = 300_000
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
    if _has_active_content(data):
        raise ValidationError(_active_message())
    from pypdf import PdfReader

    try:
        # Reads the cross-reference tables and the page tree only: no object walk, whose
        # cost in pypdf grows with what a hostile file packs into its objects.
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("加密的 PDF 无法检查，请上传未加密的文件。"))
        if len(reader.pages) < 1:
            raise ValidationError(_("PDF 文件没有页面。"))
    except ValidationError:
        raise
    except Exception as exc:
        # A parser given hostile input fails in many ways (its own errors, but also KeyError,
        # TypeError, RecursionError...): whatever it is, the file is not one we can vouch for.
        raise ValidationError(_("不是可读取的 PDF 文件。")) from exc


def _has_active_content(data: bytes) -> bool:
    """Does any dictionary of the file name active content? Every byte outside streams is
    PDF syntax (objects, the cross-reference tables, the trailer), read for every active name;
    object streams, which hold objects, are inflated and read the same way; other streams
    (page contents, images, fonts: compressed bytes, where a short name turns up by chance)
    for the long names only. One pass over the file, within MAX_INFLATED; a file listing more
    than MAX_OBJECTS objects, or more than MAX_TOKENS strings and escapes, is refused on the
    way.

    A stream starts at a "stream" keyword a reader sees: not one inside a string or a comment
    ((stream\n) would hide what follows, up to an "endstream", from the full check). The scan
    refuses a file where a string or comment holds a stream keyword, or where one does not
    follow a dictionary's >>: no writer does either, and a reader that goes to an object by
    its offset could see a stream where this scan, reading a string from before, sees none
    (its object stream would go uninflated)."""
    budget = [MAX_INFLATED, MAX_TOKENS]
    position = objects = streams = 0
    while True:
        start, syntax, outside = _syntax_until_stream(data, position, budget)
        headers = list(OBJECT_HEADER.finditer(outside))
        objects += len(headers)
        if max(objects, streams, _declared_objects(outside)) > MAX_OBJECTS:
            raise ValidationError(_("PDF 对象过多（上限 %(n)s 个）。") % {"n": MAX_OBJECTS})
        if _names_active(syntax, budget):
            return True
        if start is None:
            return False
        streams += 1
        end = data.find(b"endstream", start)
        end = len(data) if end < 0 else end
        # The stream's dictionary: the syntax since the last object header before it, strings
        # left out.
        dictionary = _unescaped(outside[headers[-1].end() :] if headers else outside)
        stream = data[start:end]
        if _is_object_stream(dictionary):
            if _names_active(_inflated(dictionary, stream, budget), budget):
                return True
        elif _names_active(stream, budget, LONG_ACTIVE):
            return True
        position = end + len(b"endstream")


def _is_object_stream(dictionary: bytes) -> bool:
    if OBJECT_STREAM.search(dictionary):
        return True
    return all(key.search(dictionary) for key in OBJECT_STREAM_KEYS)


def _syntax_until_stream(data: bytes, position: int, budget: list[int]):
    """From position to the next stream keyword a reader sees: where its body starts (None:
    no more), the syntax (strings and comments included) and the syntax outside them."""
    outside = []
    at = position
    while True:
        token = SYNTAX_TOKEN.search(data, at)
        if token is None or token["stream"]:
            stop = token.start() if token else len(data)
            if token and not STREAM_AFTER_DICTIONARY.search(data, max(0, stop - 252), stop):
                raise ValidationError(_("不是可读取的 PDF 文件。"))
            outside.append(data[at:stop])
            return (token.end() if token else None), data[position:stop], b"".join(outside)
        budget[1] -= 1
        if budget[1] < 0:
            raise ValidationError(_("PDF 结构过于复杂，无法检查。"))
        outside.append(data[at : token.start()])
        skipped_to = _skipped_end(data, token, budget)
        if STREAM_START.search(data, token.start(), min(skipped_to + 2, len(data))):
            raise ValidationError(_("不是可读取的 PDF 文件。"))
        at = skipped_to


def _skipped_end(data: bytes, token: re.Match, budget: list[int]) -> int:
    """Where the string or comment that starts at token ends."""
    if token["comment"]:
        line_end = LINE_END.search(data, token.end())
        return line_end.start() if line_end else len(data)
    flat = FLAT_STRING.match(data, token.start())
    if flat:
        return flat.end()
    depth = 1  # a string with parentheses inside: balanced ones belong to it
    for part in STRING_PART.finditer(data, token.end()):
        budget[1] -= 1
        if budget[1] < 0:
            raise ValidationError(_("PDF 结构过于复杂，无法检查。"))
        depth += {b"(": 1, b")": -1}.get(part[0], 0)
        if depth == 0:
            return part.end()
    return len(data)


def _declared_objects(syntax: bytes) -> int:
    """The most objects a trailer or an xref stream here says the file has."""
    sizes = [int(m[1]) for m in SIZE.finditer(syntax)]
    for index in INDEX.finditer(syntax):
        counts = index[1].split()[1::2]  # pairs of (first object, count)
        sizes.append(sum(int(c) for c in counts))
    return max(sizes, default=0)


def _active_message() -> str:
    return _("PDF 含有脚本、自动动作或嵌入文件等活动内容，已拒绝；请用“打印为 PDF”重新导出后上传。")


def _names_active(syntax: bytes, budget: list[int], names: re.Pattern = ACTIVE) -> bool:
    if names.search(syntax):
        return True
    escaped = []
    for name in ESCAPED_NAME.finditer(syntax):
        budget[1] -= 1
        if budget[1] < 0:
            raise ValidationError(_("PDF 结构过于复杂，无法检查。"))
        escaped.append(name[0])
    # Decoded all at once (one call, not one per name), each followed by a space: a name that
    # decodes to an active one, or to one followed by a delimiter (#20, #2F), is found.
    return bool(escaped) and bool(ACTIVE.search(_unescaped(b" ".join(escaped) + b" ")))


def _unescaped(raw: bytes) -> bytes:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), raw)


def _inflated(dictionary: bytes, body: bytes, budget: list[int]) -> bytes:
    """An object stream's objects. Writers compress them with Flate and nothing else; any
    other encoding is refused as unreadable rather than left unread."""
    if not FLATE_ONLY.search(dictionary) or b"/DecodeParms" in dictionary:
        raise ValidationError(_("不是可读取的 PDF 文件。"))
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(body, budget[0] + 1)
    except zlib.error as exc:
        raise ValidationError(_("不是可读取的 PDF 文件。")) from exc
    budget[0] -= len(out)
    if budget[0] < 0:
        raise ValidationError(_("PDF 压缩内容过多，无法检查。"))
    return out


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
