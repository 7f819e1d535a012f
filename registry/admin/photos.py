"""Photos in the admin: uploaded through record and survey pages (verified and stripped by
registry.services.photos), listed with their thumbnails, never deleted. The one thing that
changes is whether a photo is public, set by those who may publish it (permissions.PUBLISH:
reviewers and registrars of its record's regions) on its own page, or in the record's list of
photos for a registrar, through photo_publish, which checks and logs it."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry import permissions
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


def may_publish(user, obj=None) -> bool:
    """May the user publish photos at all (obj None), or those of `obj` (a photo, or the
    record or survey whose page lists them)?"""
    if not permissions.allowed(user, Photo, permissions.PUBLISH):
        return False
    return obj is None or permissions.in_scope(user, permissions.region_of(obj))


class StoredPhotoForm(forms.ModelForm):
    class Meta:
        model = Photo
        fields = ("public",)


class StoredPhotoInline(RestrictedAdminMixin, admin.TabularInline):
    """Stored photos: their `public` mark is editable by those who may publish them (on a page
    they may save), shown read-only to everyone else; the rest of a photo never changes."""

    model = Photo
    form = StoredPhotoForm
    extra = 0
    can_delete = False
    show_change_link = True  # the photo's own page, where a reviewer publishes it
    fields = ("preview", "public", "caption", "captured_on", "width", "height", "uploaded_by")
    verbose_name_plural = _("已有照片")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Saved with its page only: a reviewer, who may not save a record or a survey, gets
        # the mark read-only here and sets it on the photo's own page (the change link).
        page_saves = obj is None or permissions.can(request.user, permissions.CHANGE, obj)
        return may_publish(request.user, obj) and page_saves

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return tuple(f for f in self.fields if f != "public")
        return self.fields

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
        if not form.has_changed():
            continue
        if isinstance(form, StoredPhotoForm):
            if form.instance.pk is not None and "public" in form.changed_data:
                photos.photo_publish(
                    user=request.user, photo=form.instance, public=form.cleaned_data["public"]
                )
            continue
        if getattr(form, "prepared", None) is None:
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
    list_display = ("preview", "record", "survey", "public", "captured_on", "caption",
                    "uploaded_by")  # fmt: skip
    list_select_related = ("record", "survey", "survey__building", "uploaded_by")
    list_filter = (RecordRegionFilter, "public")
    search_fields = ("=record__code",)
    form = StoredPhotoForm
    fields = ("preview", "record", "survey", "public", "caption", "captured_on", "width",
              "height", "uploaded_by", "uploaded_at")  # fmt: skip

    def has_add_permission(self, request, obj=None):
        return False  # photos are added from their record's or survey's page

    def has_change_permission(self, request, obj=None):
        return may_publish(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return tuple(f for f in self.fields if f != "public")
        return self.fields

    def save_model(self, request, obj, form, change):
        if "public" in form.changed_data:
            photos.photo_publish(user=request.user, photo=obj, public=form.cleaned_data["public"])

    @admin.display(description=_("照片"))
    def preview(self, obj):
        return thumbnail_tag(obj)
