"""The surveyors', reviewers' and registrars' admin. Who may do what: registry/permissions.py."""

from django.contrib import admin

from registry.admin import audit, documents, photos, plaques, records, regions, surveys, users
from registry.admin.base import bound_every_admin

# Last: registry comes after auth and axes in INSTALLED_APPS, so their admins are registered.
bound_every_admin(admin.site)

__all__ = ["audit", "documents", "photos", "plaques", "records", "regions", "surveys", "users"]
