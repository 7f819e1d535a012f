"""Optimistic locking: what records, plaques and surveys share (registry.services.locking)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """An object two people may edit at once from pages opened earlier. Every save adds one
    to its version; a save (or a review step) based on an older version is refused. A
    database default because the bulk importer inserts rows with an explicit column list."""

    version = models.PositiveIntegerField(_("版本"), default=1, db_default=1, editable=False)

    class Meta:
        abstract = True
