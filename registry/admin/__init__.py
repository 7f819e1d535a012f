"""The surveyors', reviewers' and registrars' admin. Who may do what: registry/permissions.py."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin import audit, photos, plaques, records, regions, surveys, users
from registry.admin.base import bound_every_admin

# The site's own name, as base.html says it, instead of Django's ("Django 管理").
admin.site.site_header = _("历史文化保护名录")
admin.site.site_title = _("历史文化保护名录")
admin.site.index_title = _("登记与审核")

# Last: registry comes after auth and axes in INSTALLED_APPS, so their admins are registered.
bound_every_admin(admin.site)

__all__ = ["audit", "photos", "plaques", "records", "regions", "surveys", "users"]
