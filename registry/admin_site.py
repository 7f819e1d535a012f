"""The admin site itself: its name (the site's branding, in the one place it is set) and its
home page, which shows a reviewer the surveys waiting for them.

Installed as the admin's default site by registry.apps.HeritageAdminConfig (INSTALLED_APPS),
so `django.contrib.admin.site` is this site. Outside the registry.admin package, which
registers the model admins on it: the site is built before they are imported.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry import permissions
from registry.choices import SurveyState

SITE_NAME = _("历史文化保护名录")  # the public site's name (templates/base.html)


class HeritageAdminSite(admin.AdminSite):
    site_header = _("历史文化保护名录管理")
    site_title = _("历史文化保护名录管理")
    index_title = _("工作台")
    index_template = "admin/registry/index.html"

    def index(self, request, extra_context=None):
        queue = review_queue(request.user)
        return super().index(request, {**(extra_context or {}), "review_queue": queue})


def review_queue(user) -> dict | None:
    """The submitted surveys the user may judge now (permissions' APPROVE rule: in their
    regions, entered by someone else) and the list that shows them; None for a user who
    reviews nothing. One COUNT on the partial index survey_submitted."""
    from registry.models import Survey

    if not permissions.allowed(user, "survey", permissions.APPROVE):
        return None
    waiting = Survey.objects.filter(state=SurveyState.SUBMITTED).exclude(created_by=user)
    count = permissions.restrict(waiting, user, permissions.APPROVE).count()
    url = reverse("admin:registry_survey_changelist") + f"?state__exact={SurveyState.SUBMITTED}"
    return {"count": count, "url": url}
