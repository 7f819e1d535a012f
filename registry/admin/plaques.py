"""Plaques in the admin, on their own pages and in their record's page: numbers, hanging and
removal, through registry.services.plaques (logged, optimistic locking); sheets for the sign
maker."""

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.admin.base import RestrictedAdminMixin, RestrictedModelAdmin
from registry.admin.filters import RecordRegionFilter
from registry.admin.versioned import VersionedForm
from registry.models import Plaque
from registry.public_url import public_url
from registry.services import plaques as plaque_services
from registry.services.plaques import PDF_MAX_CARDS, PNG_MAX_CARDS, SHEET_LIMITS, Card, sheet

CONTENT_TYPES = {"png": "image/png", "pdf": "application/pdf"}


def plaque_sheet_response(cards: list[Card], fmt: str) -> StreamingHttpResponse:
    # Streamed: a PDF's pages are drawn as they are sent, so one page is in memory at a time.
    response = StreamingHttpResponse(sheet(cards, fmt), content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="plaques-{stamp}.{fmt}"'
    return response


def plaque_card(record, number: str | None) -> Card:
    """What the sign maker prints: the record's public page (the QR code), name and number.
    The page's address is the public one, whichever host the sheet is printed from."""
    url = public_url(reverse("catalog-record", args=[record.code]))
    return Card(url=url, name=record.name, number=number or "", code=record.code)


class PlaqueSheetActions:
    """The two print actions, for any admin that says which rows of its selection give a card
    (`plaque_rows`), the cards they give (`plaque_cards`), and what to say when there are none
    (`empty_sheet_message`)."""

    actions = ("plaque_sheet_png", "plaque_sheet_pdf")
    empty_sheet_message = _("没有选中标志牌。")

    def plaque_rows(self, queryset):
        return queryset

    def plaque_cards(self, rows) -> list[Card]:
        raise NotImplementedError

    @admin.action(description=_("打印标志牌（PNG）"), permissions=["view"])
    def plaque_sheet_png(self, request, queryset):
        return self._sheet(request, queryset, "png")

    @admin.action(description=_("打印标志牌（PDF）"), permissions=["view"])
    def plaque_sheet_pdf(self, request, queryset):
        return self._sheet(request, queryset, "pdf")

    def _sheet(self, request, queryset, fmt):
        # Counted in SQL first: "select all" may name a whole province, and a sheet that is
        # refused reads no card and draws none.
        rows = self.plaque_rows(queryset)
        count, limit = rows.count(), SHEET_LIMITS[fmt]
        if 0 < count <= limit:
            cards = self.plaque_cards(rows)
            count = len(cards)  # rows may have come or gone since the count
            if 0 < count <= limit:
                return plaque_sheet_response(cards, fmt)
        if count:
            self.message_user(request, too_many_message(count, fmt), messages.ERROR)
        else:
            self.message_user(request, self.empty_sheet_message, messages.WARNING)
        return None


def too_many_message(count: int, fmt: str) -> str:
    return _(
        "所选 %(count)d 张标志牌超过了 %(format)s 一次能打印的数量（PDF 最多 %(pdf)d 张，"
        "PNG 最多 %(png)d 张）。请先筛选（例如按地区），再分批打印。"
    ) % {"count": count, "format": fmt.upper(), "pdf": PDF_MAX_CARDS, "png": PNG_MAX_CARDS}


class PlaqueForm(VersionedForm):
    class Meta:
        model = Plaque
        fields = plaque_services.FIELDS


class PlaqueInline(RestrictedAdminMixin, admin.TabularInline):
    """The plaques on their record's page: each row posts its own version."""

    model = Plaque
    form = PlaqueForm
    extra = 0
    can_delete = False
    fields = (*plaque_services.FIELDS, "edit_version")


def save_plaque_formset(request, formset, *, record) -> None:
    """Each new or changed row through the plaque services (never the formset's own save)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.forms:
        if not form.has_changed():
            continue
        data = form.changed_fields()
        if form.instance.pk is None:
            plaque = plaque_services.plaque_create(user=request.user, record=record, data=data)
            formset.new_objects.append(plaque)
        else:
            version = form.cleaned_data["edit_version"]
            plaque = plaque_services.plaque_update(
                user=request.user, plaque=form.instance, data=data, version=version
            )
            formset.changed_objects.append((plaque, list(data)))


@admin.register(Plaque)
class PlaqueAdmin(PlaqueSheetActions, RestrictedModelAdmin):
    list_display = ("number", "record", "installed_on", "removed_on")
    list_select_related = ("record",)
    ordering = ("-id",)  # newest first, from the primary key (see SurveyAdmin)
    list_filter = (RecordRegionFilter, "installed_on", "removed_on")
    search_fields = ("=number", "=record__code")
    raw_id_fields = ("record",)
    form = PlaqueForm
    fields = ("record", *plaque_services.FIELDS, "edit_version")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("record")

    def get_readonly_fields(self, request, obj=None):
        return ("record",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        data = form.changed_fields()
        if change:
            version = form.cleaned_data["edit_version"]
            saved = plaque_services.plaque_update(
                user=request.user, plaque=obj, data=data, version=version
            )
            obj.version = saved.version
        else:
            data.pop("record", None)
            record = form.cleaned_data["record"]
            saved = plaque_services.plaque_create(user=request.user, record=record, data=data)
            obj.pk = saved.pk
            obj._state.adding = False

    def plaque_cards(self, rows) -> list[Card]:
        return [plaque_card(p.record, p.number) for p in rows.select_related("record")]
