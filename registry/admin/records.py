"""Records in the admin: searched, filtered and listed within a fixed query budget; edited
with optimistic locking (a save based on an outdated page is refused); never deleted (a
designation is revoked instead); the page of a building shows its state and survey history."""

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from registry import permissions
from registry.admin.audit import change_lines
from registry.admin.base import RestrictedModelAdmin, autocompleting
from registry.admin.documents import (
    DocumentInline,
    StoredDocumentInline,
    save_document_formset,
)
from registry.admin.filters import RegionFilter, StatusFilter
from registry.admin.photos import PhotoInline, StoredPhotoInline, save_photo_formset
from registry.admin.plaques import (
    PlaqueInline,
    PlaqueSheetActions,
    plaque_card,
    save_plaque_formset,
)
from registry.admin.versioned import VersionedForm
from registry.admin.zones import (
    SCRIPTS,
    STYLES,
    ZONE_FIELDS,
    ZoneFormMixin,
    file_field_name,
    zones_map,
)
from registry.choices import KINDS_WITH_ARCHIVE, KINDS_WITH_PLAQUES, Kind, Status
from registry.models import ChangeLog, Photo, Plaque, Record, RecordDocument
from registry.search.keys import MAX_QUERY_LENGTH
from registry.selectors.folded_search import search
from registry.services import records as record_services

HISTORY_LIMIT = 20


# The list entry (exchange.md version 2); the archive only on the kinds that have one.
LIST_ENTRY_FIELDS = (
    "era", "description", "description_en", "designation_batch", "designation_document",
    "designation_authority",
)  # fmt: skip
ARCHIVE_FIELDS = ("archive_level", "archive_completed_on")


class RecordForm(ZoneFormMixin, VersionedForm):
    class Meta:
        model = Record
        fields = ("code", "kind", "name", "name_en", "level", "region", "parent",
                  "designated_on", "revoked_on", "address", "lat", "lon", *LIST_ENTRY_FIELDS,
                  *ARCHIVE_FIELDS, *ZONE_FIELDS)  # fmt: skip

    def changed_fields(self) -> dict:
        zones = {name: self.cleaned_data[name] for name in self.uploaded_zones()}
        return {**super().changed_fields(), **zones}

    # A browser sends a textarea's line ends as \r\n; the format separates paragraphs by \n.
    def clean_description(self):
        return _lines(self.cleaned_data["description"])

    def clean_description_en(self):
        return _lines(self.cleaned_data["description_en"])


def _lines(text: str | None) -> str | None:
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


@admin.register(Record)
class RecordAdmin(PlaqueSheetActions, RestrictedModelAdmin):
    empty_sheet_message = _("所选对象中没有可挂牌的街区或建筑。")
    form = RecordForm
    list_display = ("code", "name", "kind", "level", "region", "designated_on", "revoked_on")
    list_filter = (RegionFilter, "level", StatusFilter, "kind")
    list_select_related = ("region",)
    search_fields = ("=code",)  # and the catalog's search index: get_search_results
    search_help_text = _("名称（中文、拼音或首字母）或编号")
    raw_id_fields = ("parent", "region")

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ("code", "kind", "name", "name_en", "level", "region", "parent")}),
            (_("认定"), {"fields": ("designated_on", "revoked_on")}),
            (_("位置"), {"fields": ("address", "lat", "lon", "edit_version")}),
            (_("列表条目"), {"fields": self._list_entry_fields(obj)}),
            (_("保护区划"), {"fields": self._zone_fields(request, obj)}),
        ]
        if obj is not None:
            fieldsets.insert(0, (_("现状一览"), {"fields": ("current_state", "survey_history")}))
            fieldsets.append((_("最近变更"), {"fields": ("recent_changes",)}))
        return fieldsets

    @staticmethod
    def _list_entry_fields(obj) -> tuple:
        """A new record's kind is not chosen yet: its form offers the archive (Record.clean
        refuses one on a city, town or village)."""
        if obj is not None and obj.kind not in KINDS_WITH_ARCHIVE:
            return LIST_ENTRY_FIELDS
        return LIST_ENTRY_FIELDS + ARCHIVE_FIELDS

    class Media:  # the zones' map, for viewers too (the editor's widget brings its own)
        css = {"all": STYLES}
        js = SCRIPTS

    def _zone_fields(self, request, obj) -> tuple:
        """The editor to those who may change the record; to the others, a map (the fields
        shown read-only would print every coordinate)."""
        if obj is not None and not self.has_change_permission(request, obj):
            return ("zones",)
        return tuple(f for name in ZONE_FIELDS for f in (name, file_field_name(name)))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # A code is never reused and never changes kind (exchange.md): both are fixed once saved.
        shown = ("code", "kind", "current_state", "survey_history", "recent_changes", "zones")
        if not permissions.can(request.user, permissions.DESIGNATE, obj):
            return tuple(dict.fromkeys(shown + permissions.REGISTRAR_RECORD_FIELDS))
        return shown

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        inlines = [PlaqueInline] if obj.kind in KINDS_WITH_PLAQUES else []
        return [*inlines, StoredPhotoInline, PhotoInline, StoredDocumentInline, DocumentInline]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._viewer = request.user  # for the read-only panels, which get only the object
        return obj

    def get_search_results(self, request, queryset, search_term):
        # The index answers the search, and the user's regions and the kind, level and region
        # filters with it: a search with those alone is counted on the index (folded_search).
        if autocompleting(request, "survey", "building"):
            queryset = queryset.filter(kind=Kind.BUILDING)  # only a building is surveyed
        term = search_term.strip()
        if not term:
            return queryset, False
        if len(term) > (limit := MAX_QUERY_LENGTH):
            message = _("搜索词过长：最多 %(max)s 个字符。") % {"max": limit}
            self.message_user(request, message, messages.ERROR)
            return queryset.none(), False
        return search(queryset, term), False

    def save_model(self, request, obj, form, change):
        if change:
            saved = record_services.record_update(
                user=request.user,
                record=obj,
                data=form.changed_fields(),
                version=form.cleaned_data["edit_version"],
            )
            obj.version = saved.version
        else:
            data = form.model_values()
            obj.pk = record_services.record_create(user=request.user, data=data).pk
            obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is Photo:
            save_photo_formset(request, formset, record=form.instance)
        elif formset.model is RecordDocument:
            save_document_formset(request, formset, record=form.instance)
        else:
            save_plaque_formset(request, formset, record=form.instance)

    @admin.display(description=_("当前状态"))
    def current_state(self, obj):
        today = timezone.localdate()
        hanging = [p.number or "#" for p in obj.plaques.hanging(on=today)]
        latest = obj.surveys.latest_approved(by=today).first()
        parts = [
            (_("状态"), Status(obj.status).label),
            (_("标志牌"), _("、").join(hanging) if hanging else _("未挂牌")),
        ]
        if obj.kind == Kind.BUILDING:
            survey = (
                f"{latest.surveyed_on} {latest.get_occupancy_display()}"
                f" {latest.get_condition_display() or ''}"
                if latest
                else _("无已通过的调查")
            )
            parts.append((_("最近一次已通过调查"), survey))
        html = format_html_join(
            "",
            "<div><strong>{}</strong>{}{}</div>",
            ((label, _("："), value) for label, value in parts),
        )
        viewer = getattr(obj, "_viewer", None)
        if obj.kind == Kind.BUILDING and permissions.allowed(viewer, "survey", permissions.ADD):
            add = reverse("admin:registry_survey_add") + f"?building={obj.pk}"
            html += format_html('<p><a class="button" href="{}">{}</a></p>', add, _("添加调查"))
        return html

    @admin.display(description=_("保护区划"))
    def zones(self, obj):
        return zones_map(obj)

    @admin.display(description=_("调查记录"))
    def survey_history(self, obj):
        surveys = list(
            obj.surveys.select_related("created_by", "reviewed_by").order_by("-surveyed_on", "-id")[
                :HISTORY_LIMIT
            ]
        )
        if not surveys:
            return _("暂无调查")
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td class="survey-state state-{}">{}</td>'
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    reverse("admin:registry_survey_change", args=[s.pk]),
                    s.surveyed_on,
                    s.state,
                    s.get_state_display(),
                    s.get_occupancy_display(),
                    s.get_condition_display() or "-",
                    s.created_by or "-",
                    s.reviewed_by or "-",
                )
                for s in surveys
            ),
        )
        head = format_html(
            "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "</tr></thead>",
            _("调查日期"), _("审核状态"), _("使用状况"), _("保存状况"), _("录入人"), _("审核人"),
        )  # fmt: skip
        return format_html('<table class="survey-history">{}<tbody>{}</tbody></table>', head, rows)

    @admin.display(description=_("变更记录"))
    def recent_changes(self, obj):
        entries = ChangeLog.objects.filter(record_id=obj.pk).select_related("user")[:10]
        rows = format_html_join(
            "",
            "<li>{} {} {} {} <small>{}</small></li>",
            ((f"{timezone.localtime(e.time):%Y-%m-%d %H:%M}", e.user or "-",
              e.get_action_display(), e.object_repr, _("；").join(change_lines(e)))
             for e in entries),
        )  # fmt: skip
        link = reverse("admin:registry_changelog_changelist") + f"?record_id={obj.pk}"
        return format_html('<ul>{}</ul><a href="{}">{}</a>', rows, link, _("全部变更记录"))

    def plaque_rows(self, queryset):
        return queryset.filter(kind__in=KINDS_WITH_PLAQUES)

    def plaque_cards(self, rows) -> list:
        """A card for each selected district or building, with its newest hanging plaque's
        number (the sign maker prints one sign per record)."""
        hanging = Plaque.objects.hanging(on=timezone.localdate())
        cards = []
        for record in rows.prefetch_related(Prefetch("plaques", hanging, to_attr="hanging")):
            cards.append(plaque_card(record, record.hanging[-1].number if record.hanging else ""))
        return cards
