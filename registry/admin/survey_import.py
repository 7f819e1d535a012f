"""The survey spreadsheet import pages: upload, preview every row with its errors, confirm
(all or nothing); blank templates to download."""

import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from registry import permissions
from registry.choices import visible
from registry.services import survey_import

SESSION_KEY = "survey_import"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("调查表（.xlsx 或 .csv）"))


def urls(model_admin) -> list:
    view = model_admin.admin_site.admin_view

    def page(request):
        return import_view(request, model_admin)

    return [
        path("import/", view(page), name="registry_survey_import"),
        path("import/template.xlsx", view(template_xlsx), name="registry_survey_template_xlsx"),
        path("import/template.csv", view(template_csv), name="registry_survey_template_csv"),
    ]


def _allowed(request) -> None:
    if not permissions.allowed(request.user, "survey", permissions.ADD):
        raise PermissionDenied


def import_view(request, model_admin):
    _allowed(request)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("导入调查表"),
        "columns": list(survey_import.COLUMNS),
    }
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, context)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            raw = survey_import.read_table(upload, upload.name)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            rows = survey_import.check(raw, request.user)
            token = secrets.token_urlsafe(16)
            request.session[SESSION_KEY] = {"token": token, "rows": raw}
            fields = list(survey_import.COLUMNS.values())
            context.update(
                rows=[
                    (r.line, [visible(r.values.get(f, "")) for f in fields], r.errors) for r in rows
                ],  # fmt: skip
                token=token,
                error_count=sum(1 for r in rows if r.errors),
            )
    context["form"] = form
    return TemplateResponse(request, "admin/registry/survey/import.html", context)


def _confirm(request, context):
    stored = request.session.get(SESSION_KEY) or {}
    changelist = reverse("admin:registry_survey_changelist")
    if stored.get("token") != request.POST["token"]:
        messages.error(request, _("预览已过期，请重新上传。"))
        return HttpResponseRedirect(reverse("admin:registry_survey_import"))
    try:
        count = survey_import.import_rows(user=request.user, rows=stored["rows"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("admin:registry_survey_import"))
    del request.session[SESSION_KEY]
    messages.success(request, _("已导入 %(n)s 条调查（草稿）。") % {"n": count})
    return HttpResponseRedirect(changelist)


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def template_xlsx(request):
    _allowed(request)
    return _download(
        survey_import.template_xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "survey-template.xlsx",
    )


def template_csv(request):
    _allowed(request)
    return _download(survey_import.template_csv(), "text/csv; charset=utf-8", "survey-template.csv")
