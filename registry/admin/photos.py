"""Photos in the admin: uploaded through record and survey pages (verified and stripped by
registry.services.photos), listed with their thumbnails, never edited or deleted."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.admin.base import RestrictedAdminMixin, RestrictedModelAdmin
from registry.admin.filters import RecordRegionFilter
from registry.models import Photo
from registry.services import photos


def thumbnail_tag(photo: Photo):
    if not photo.thumbnail:
        return "-"
    return format_html(
        '<a href="{}" target="_blank">'
        '<img src="{}" alt="" class="heritage-thumb" loading="lazy"></a>',
        photo.image.url,
        photo.thumbnail.url,
    )


class PhotoUploadForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("照片文件"),
        help_text=_("JPEG、PNG 或 WebP；定位与相机信息会被去除，拍摄日期保留。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Photo
        fields = ("caption",)

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        self.prepared = photos.prepare(upload)
        return upload


class PhotoInline(RestrictedAdminMixin, admin.TabularInline):
    """New photos only: each row of the formset is an upload; stored ones are shown."""

    model = Photo
    form = PhotoUploadForm
    extra = 1
    can_delete = False
    fields = ("upload", "caption")
    verbose_name = _("新照片")
    verbose_name_plural = _("上传照片")

    def get_queryset(self, request):
        return super().get_queryset(request).none()  # stored photos: StoredPhotoInline


class SurveyPhotoInline(PhotoInline):
    fk_name = "survey"


class StoredPhotoInline(RestrictedAdminMixin, admin.TabularInline):
    model = Photo
    extra = 0
    can_delete = False
    fields = ("preview", "caption", "captured_on", "width", "height", "uploaded_by")
    readonly_fields = fields
    verbose_name_plural = _("已有照片")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by", "record")

    @admin.display(description=_("照片"))
    def preview(self, obj):
        return thumbnail_tag(obj)


class StoredSurveyPhotoInline(StoredPhotoInline):
    fk_name = "survey"


def save_photo_formset(request, formset, *, record=None, survey=None) -> None:
    """Store each upload through the photo service (never the form's own save)."""
    # What the admin's change message reads after a formset's save.
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.forms:
        if getattr(form, "prepared", None) is None or not form.has_changed():
            continue
        photos.photo_attach(
            user=request.user,
            prepared=form.prepared,
            record=record,
            survey=survey,
            caption=form.cleaned_data.get("caption") or "",
        )


@admin.register(Photo)
class PhotoAdmin(RestrictedModelAdmin):
    list_display = ("preview", "record", "survey", "captured_on", "caption", "uploaded_by")
    list_select_related = ("record", "survey", "survey__building", "uploaded_by")
    list_filter = (RecordRegionFilter,)
    search_fields = ("=record__code",)
    fields = ("preview", "record", "survey", "caption", "captured_on", "width", "height",
              "uploaded_by", "uploaded_at")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # photos are added from their record's or survey's page

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("照片"))
    def preview(self, obj):
        return thumbnail_tag(obj)
