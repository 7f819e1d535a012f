"""Reads of photos, for pages that show them (the public record page among others)."""

from django.db.models import Q, QuerySet

from registry.choices import SurveyState
from registry.models import Photo, Record


def photos_for(record: Record) -> QuerySet[Photo]:
    """The photos of a record, its surveys' included, newest capture first. Only photos of
    the record itself or of its approved surveys: what is still under review is not public.
    Each has .image.url, .thumbnail.url, .width, .height, .captured_on, .caption."""
    return (
        Photo.objects.filter(record=record)
        .filter(Q(survey__isnull=True) | Q(survey__state=SurveyState.APPROVED))
        .order_by("-captured_on", "-id")
    )
