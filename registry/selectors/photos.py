"""Reads of photos, for pages that show them (the public record page among others)."""

from django.db.models import F, QuerySet

from registry import permissions
from registry.models import Photo, Record


def photos_for(record: Record) -> QuerySet[Photo]:
    """The photos of a record, its surveys' included, newest capture first. Only photos of
    the record itself or of its approved surveys, marked public by a reviewer or registrar
    (permissions.PUBLIC_PHOTO): a new upload, or what is still under review, is not public.
    Each has .image.url, .thumbnail.url (served by registry/views/media.py), .width,
    .height, .captured_on, .caption."""
    return (
        Photo.objects.filter(record=record)
        .filter(permissions.PUBLIC_PHOTO)
        # Undated photos last on both engines (PostgreSQL puts NULLs first when descending).
        .order_by(F("captured_on").desc(nulls_last=True), "-id")
    )
