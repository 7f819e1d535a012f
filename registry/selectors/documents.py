"""Reads of records' documents, for the public record page and the API."""

from django.db.models import QuerySet

from registry.models import Record, RecordDocument


def public_documents(record: Record) -> QuerySet[RecordDocument]:
    """The documents anyone may see (permissions.PUBLIC_DOCUMENT: marked public, not
    withdrawn), by kind then upload. Each has .file.url (served by registry/views/media.py),
    .title, .kind, .size, .content_type."""
    return (
        RecordDocument.objects.public()
        .filter(record=record)
        .only("record_id", "title", "kind", "file", "content_type", "size", "uploaded_at")
        .order_by("kind", "id")
    )
