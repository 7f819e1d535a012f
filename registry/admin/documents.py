"""Records' documents in the admin: uploaded on the record's page (verified by
registry.services.documents), then retitled, published, unpublished or withdrawn there; never
deleted. Every write goes through the service, which checks permissions and logs it."""

from django import forms
from django.contrib import admin
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.admin.base import RestrictedAdminMixin, RestrictedModelAdmin
from registry.admin.filters import RecordRegionFilter
from registry.models import RecordDocument
from registry.services import documents

ACCEPT = "application/pdf,image/jpeg,image/png,image/webp"


def file_link(document: RecordDocument):
    if not document.file:
        return "-"
    return format_html('<a href="{}">{}</a>', document.file.url, document.content_type)


def _upload_help_text() -> str:
    return gettext(
        "PDF（不含脚本、嵌入文件等活动内容，未加密）或 JPEG、PNG、WebP 图片；不超过 %(mb)s MB。"
    ) % {"mb": documents.MAX_BYTES // 1024 // 1024}


# Translated when shown (a form field is made once, at import, in no one's language).
_upload_help = lazy(_upload_help_text, str)


class DocumentUploadForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("文件"),
        help_text=_upload_help(),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = RecordDocument
        fields = ("title", "kind", "public")

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        self.prepared = documents.prepare(upload)
        return upload


class DocumentInline(RestrictedAdminMixin, admin.TabularInline):
    """New documents only: each row is an upload; stored ones: StoredDocumentInline."""

    model = RecordDocument
    form = DocumentUploadForm
    extra = 1
    can_delete = False
    fields = ("upload", "title", "kind", "public")
    verbose_name = _("新文件")
    verbose_name_plural = _("上传文件")

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class StoredDocumentForm(forms.ModelForm):
    withdrawn = forms.BooleanField(
        label=_("撤回"), required=False, help_text=_("撤回后不再公开，仍保留在记录中。")
    )

    class Meta:
        model = RecordDocument
        fields = ("title", "kind", "public")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn"].initial = self.instance.withdrawn_at is not None


class StoredDocumentInline(RestrictedAdminMixin, admin.TabularInline):
    model = RecordDocument
    form = StoredDocumentForm
    extra = 0
    can_delete = False
    fields = ("link", "title", "kind", "public", "withdrawn", "size", "uploaded_by",
              "uploaded_at")  # fmt: skip
    readonly_fields = ("link", "size", "uploaded_by", "uploaded_at")
    verbose_name_plural = _("已有文件")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by", "record")

    @admin.display(description=_("文件"))
    def link(self, obj):
        return file_link(obj)

    @admin.display(description=_("撤回"), boolean=True)
    def withdrawn(self, obj):  # shown to those who may not change it (the form's field else)
        return obj.withdrawn_at is not None


def save_document_formset(request, formset, *, record) -> None:
    """Uploads through document_attach, changes through document_update (never the form's
    own save), each checked and logged by the service."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.forms:
        if not form.has_changed():
            continue
        data = {f: form.cleaned_data[f] for f in ("title", "kind", "public")}
        if isinstance(form, DocumentUploadForm):
            if getattr(form, "prepared", None) is not None:
                documents.document_attach(
                    user=request.user, record=record, prepared=form.prepared, **data
                )
        elif form.instance.pk is not None:
            documents.document_update(
                user=request.user,
                document=form.instance,
                withdrawn=form.cleaned_data["withdrawn"],
                **data,
            )


@admin.register(RecordDocument)
class RecordDocumentAdmin(RestrictedModelAdmin):
    list_display = ("title", "kind", "record", "public", "withdrawn_at", "size", "uploaded_by")
    list_select_related = ("record", "uploaded_by")
    list_filter = (RecordRegionFilter, "kind", "public")
    search_fields = ("=record__code",)
    fields = ("link", "record", "title", "kind", "public", "content_type", "size", "sha256",
              "uploaded_by", "uploaded_at", "withdrawn_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # added from their record's page

    def has_change_permission(self, request, obj=None):
        return False  # changed there too, through the service

    @admin.display(description=_("文件"))
    def link(self, obj):
        return file_link(obj)
