"""Plaques in the admin: numbers, hanging and removal (logged); sheets for the sign maker."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import permissions
from registry.admin.base import RestrictedModelAdmin
from registry.admin.filters import RecordRegionFilter
from registry.models import ChangeAction, Plaque
from registry.services import audit
from registry.services.plaques import Card, sheet

CONTENT_TYPES = {"png": "image/png", "pdf": "application/pdf"}


def plaque_sheet_response(cards: list[Card], fmt: str) -> HttpResponse:
    response = HttpResponse(sheet(cards, fmt), content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="plaques-{stamp}.{fmt}"'
    return response


def plaque_card(request, record, number: str | None) -> Card:
    """What the sign maker prints: the record's public page (the QR code), name and number."""
    url = request.build_absolute_uri(reverse("catalog-record", args=[record.code]))
    return Card(url=url, name=record.name, number=number or "", code=record.code)


class PlaqueSheetActions:
    """The two print actions, for any admin that says which cards its selection gives
    (`plaque_cards`) and what to say when it gives none (`empty_sheet_message`)."""

    actions = ("plaque_sheet_png", "plaque_sheet_pdf")
    empty_sheet_message = _("没有选中标志牌。")

    def plaque_cards(self, request, queryset) -> list[Card]:
        raise NotImplementedError

    @admin.action(description=_("打印标志牌（PNG）"), permissions=["view"])
    def plaque_sheet_png(self, request, queryset):
        return self._sheet(request, queryset, "png")

    @admin.action(description=_("打印标志牌（PDF）"), permissions=["view"])
    def plaque_sheet_pdf(self, request, queryset):
        return self._sheet(request, queryset, "pdf")

    def _sheet(self, request, queryset, fmt):
        cards = self.plaque_cards(request, queryset)
        if not cards:
            self.message_user(request, self.empty_sheet_message, messages.WARNING)
            return None
        return plaque_sheet_response(cards, fmt)


@admin.register(Plaque)
class PlaqueAdmin(PlaqueSheetActions, RestrictedModelAdmin):
    list_display = ("number", "record", "installed_on", "removed_on")
    list_select_related = ("record",)
    ordering = ("-id",)  # newest first, from the primary key (see SurveyAdmin)
    list_filter = (RecordRegionFilter, "installed_on", "removed_on")
    search_fields = ("=number", "=record__code")
    raw_id_fields = ("record",)
    fields = ("record", "number", "installed_on", "removed_on")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("record")

    def get_readonly_fields(self, request, obj=None):
        return ("record",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if not permissions.can(request.user, "change" if change else "add", obj):
            raise PermissionDenied
        before = audit.snapshot(Plaque.objects.get(pk=obj.pk)) if change else None
        obj.save()
        action = ChangeAction.CHANGE if change else ChangeAction.CREATE
        audit.log(user=request.user, action=action, obj=obj, before=before)

    def plaque_cards(self, request, queryset) -> list[Card]:
        return [plaque_card(request, p.record, p.number) for p in queryset.select_related("record")]
