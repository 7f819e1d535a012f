"""The surveyors', reviewers' and registrars' admin. Who may do what: registry/permissions.py."""

from registry.admin import audit, photos, plaques, records, regions, surveys, users

__all__ = ["audit", "photos", "plaques", "records", "regions", "surveys", "users"]
