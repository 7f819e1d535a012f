"""/media/<name>: the files of photos (images and thumbnails) and of records' documents, each
served with its object's rule.

Nothing serves MEDIA_ROOT by itself, in development or production: a photo of a survey still
under review is seen only by staff whose regions hold its record, so every file goes through
registry.permissions (PUBLIC_PHOTO, visible_photos); anyone else gets 404, which tells nothing
of whether the file exists.

The name in the URL is only a key: it is looked up among the names photos store, and the file
opened is the one that row names, through the storage (which also refuses a path outside
MEDIA_ROOT); no path from the URL reaches the file system.

A document (registry/models/documents.py) is seen by anyone when it is public and not withdrawn
(PUBLIC_DOCUMENT), otherwise as visible_documents allows. A PDF is always an attachment, with
a sandbox policy and nosniff besides: a reader, not the browser's page, opens it, and should a
browser render it anyway it runs no script of ours. A document's image (re-encoded by the
photo service) is shown inline like a photo.

With HERITAGE_MEDIA_ACCEL_REDIRECT set (nginx's internal location, e.g. /protected-media/) the
answer is empty and nginx sends the file (README "Production"); otherwise it is streamed here.
"""

import posixpath
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from registry import permissions
from registry.models import Photo, RecordDocument
from registry.throttling import page_throttle_exempt

# Shown in the browser only what the photo service writes (services.photos.ALLOWED and its
# JPEG thumbnails): images it re-encoded itself. Any other file is an attachment.
INLINE_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
# A public photo's name is its content's hash, so browsers and proxies may keep it; but a
# reviewer may unpublish it (Photo.public), so an hour, as a document's.
PUBLIC_CACHE = "public, max-age=3600"
PRIVATE_CACHE = "private, no-store"
# Documents' files are stored under this folder (RecordDocument.file's upload_to).
DOCUMENTS = "documents/"
# A document may be unpublished or withdrawn: a public answer is kept an hour, not a day.
DOCUMENT_CACHE = "public, max-age=3600"


@page_throttle_exempt
@require_safe
def photo_file(request, name: str):
    if name.startswith(DOCUMENTS):
        return document_file(request, name)
    stored = Photo.objects.filter(Q(image=name) | Q(thumbnail=name)).select_related("survey")
    # Public first, without looking at the user: the answer is then the same for everyone (no
    # session read, so no Vary: Cookie) and may be cached.
    photo = stored.filter(permissions.PUBLIC_PHOTO).first()
    public = photo is not None
    if not public:
        photo = permissions.visible_photos(stored, request.user).first()
    if photo is None:
        raise Http404
    field = photo.image if photo.image.name == name else photo.thumbnail
    response = _file_response(field)
    extension = posixpath.splitext(field.name)[1].lower()
    response["Content-Type"] = INLINE_TYPES.get(extension, "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(
        extension not in INLINE_TYPES, posixpath.basename(field.name)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = PUBLIC_CACHE if public else PRIVATE_CACHE
    return response


def document_file(request, name: str):
    stored = RecordDocument.objects.filter(file=name)
    document = stored.filter(permissions.PUBLIC_DOCUMENT).first()  # as photos: public first
    public = document is not None
    if not public:
        document = permissions.visible_documents(stored, request.user).first()
    if document is None:
        raise Http404
    response = _file_response(document.file)
    extension = posixpath.splitext(document.file.name)[1].lower()
    inline = INLINE_TYPES.get(extension) == document.content_type
    response["Content-Type"] = document.content_type
    filename = download_name(document.title) + extension
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["X-Content-Type-Options"] = "nosniff"
    if not inline:
        response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = DOCUMENT_CACHE if public else PRIVATE_CACHE
    return response


def _file_response(field) -> HttpResponse:
    accel = settings.HERITAGE_MEDIA_ACCEL_REDIRECT
    if accel:
        response = HttpResponse()
        response["X-Accel-Redirect"] = accel + quote(field.name)
        return response
    try:
        return FileResponse(field.storage.open(field.name, "rb"))
    except FileNotFoundError:
        raise Http404 from None


def download_name(title: str) -> str:
    """The title as a download's name (the stored name is a hash): no path separators, and no
    format characters (Unicode category Cf: a right-to-left override in 'a\u202egpj.exe' would
    show the name as 'aexe.jpg' beside the real extension appended after it)."""
    kept = "".join(c for c in title if unicodedata.category(c) != "Cf")
    return kept.replace("/", "_").replace("\\", "_").strip() or "document"
