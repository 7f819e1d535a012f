"""Surveys in the admin: drafted and submitted by their surveyor, approved or rejected (with
a reason) by a reviewer; approved surveys are read only. Every step goes through
registry.services.surveys, which checks registry.permissions again, refuses a survey changed
since its page was opened (the pages and the buttons post its version) and logs it."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from registry import permissions
from registry.admin import survey_import
from registry.admin.base import RestrictedModelAdmin
from registry.admin.filters import BuildingRegionFilter
from registry.admin.photos import StoredSurveyPhotoInline, SurveyPhotoInline, save_photo_formset
from registry.admin.versioned import VersionedForm
from registry.choices import Kind, SurveyState
from registry.models import Photo, Survey
from registry.selectors.survey_changes import changes_since_approved
from registry.services import surveys as survey_services

ENTERED = ("building", "surveyed_on", "occupancy", "condition", "use", "surveyor", "notes")
APPROVED = SurveyState.APPROVED
REVIEW = ("state", "created_by", "reviewed_by", "reviewed_at", "rejection_reason")


class EditableSurveyPhotoInline(SurveyPhotoInline):
    def has_add_permission(self, request, obj=None):
        if obj is not None and not permissions.can(request.user, permissions.CHANGE, obj):
            return False  # approved and submitted surveys are not changed, photos included
        return super().has_add_permission(request, obj)


class SurveyForm(VersionedForm):
    class Meta:
        model = Survey
        fields = ENTERED


@admin.register(Survey)
class SurveyAdmin(RestrictedModelAdmin):
    list_display = ("building", "surveyed_on", "state", "occupancy", "condition",
                    "created_by", "reviewed_by")  # fmt: skip
    list_select_related = ("building", "created_by", "reviewed_by")
    # Newest entered first, from the primary key: the model's order (building code, day) sorts
    # every survey for each page at national scale (bench/pages.py times the survey list).
    ordering = ("-id",)
    list_filter = ("state", BuildingRegionFilter, "occupancy", "condition")
    search_fields = ("=building__code",)
    # Picked by code or name from the user's regions' buildings (RecordAdmin's search,
    # scoped by its get_queryset, limited to buildings in its get_search_results).
    autocomplete_fields = ("building",)
    form = SurveyForm
    fieldsets = ((None, {"fields": (*ENTERED, "edit_version")}), (_("审核"), {"fields": REVIEW}))
    readonly_fields = REVIEW
    inlines = [StoredSurveyPhotoInline, EditableSurveyPhotoInline]
    change_form_template = "admin/registry/survey/change_form.html"
    change_list_template = "admin/registry/survey/change_list.html"

    def get_queryset(self, request):
        # The changelist applies list_select_related only to a queryset without any.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class BuildingSurveyForm(form):
            # Only buildings in the user's regions are offered at all (RestrictedModelAdmin).
            def clean_building(self):
                building = self.cleaned_data["building"]
                if building.kind != Kind.BUILDING:
                    raise ValidationError(_("只有历史建筑可以登记现场调查。"))
                return building

        return BuildingSurveyForm

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ENTERED if name in form.cleaned_data}
        if change:
            version = form.cleaned_data["edit_version"]
            saved = survey_services.survey_update(
                user=request.user, survey=obj, data=data, version=version
            )
            obj.version = saved.version
        else:
            building = data.pop("building")
            saved = survey_services.survey_create(user=request.user, building=building, data=data)
            obj.pk = saved.pk
            obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is Photo:
            save_photo_formset(request, formset, survey=form.instance)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        survey = self.get_object(request, object_id)
        if survey is not None:
            user = request.user
            extra_context = {
                **(extra_context or {}),
                "can_submit": permissions.can(user, permissions.SUBMIT, survey),
                "can_review": permissions.can(user, permissions.APPROVE, survey),
                "survey": survey,
                "since": changes_since_approved(survey) if survey.state != APPROVED else None,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/submit/", view(self.submit_view), name="registry_survey_submit"),
            path("<path:object_id>/approve/", view(self.approve_view),
                 name="registry_survey_approve"),
            path("<path:object_id>/reject/", view(self.reject_view), name="registry_survey_reject"),
            *survey_import.urls(self),
            *super().get_urls(),
        ]  # fmt: skip

    def submit_view(self, request, object_id):
        done = _("调查“%(survey)s”已提交审核。")
        return self._step(request, object_id, survey_services.survey_submit, done)

    def approve_view(self, request, object_id):
        done = _("调查“%(survey)s”已审核通过。")
        return self._step(request, object_id, survey_services.survey_approve, done)

    def reject_view(self, request, object_id):
        reason = request.POST.get("reason", "")
        return self._step(
            request,
            object_id,
            lambda **step: survey_services.survey_reject(**step, reason=reason),
            _("调查“%(survey)s”已退回。"),
        )

    def _step(self, request, object_id, service, done):
        """A workflow button: its form posts the survey's version as the page showed it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        survey = self.get_object(request, object_id)
        if survey is None:
            raise Http404
        version = request.POST.get("version", "")
        version = int(version) if version.isdecimal() else None  # None: refused as stale
        try:
            service(user=request.user, survey=survey, version=version)  # PermissionDenied: 403
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, done % {"survey": survey}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:registry_survey_change", args=[survey.pk]))
