"""Photos of records and surveys, stored only as re-encoded images (registry.services.photos):
no EXIF (no GPS, no camera), orientation applied, the capture day kept in a field."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import validate_text


class Photo(models.Model):
    # A survey's photo also belongs to its building, so "the photos of a record" is one
    # indexed lookup whatever they were taken for.
    record = models.ForeignKey(
        "registry.Record",
        verbose_name=_("保护对象"),
        on_delete=models.PROTECT,
        related_name="record_photos",
    )
    survey = models.ForeignKey(
        "registry.Survey",
        verbose_name=_("现场调查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_photos",
    )
    # Indexed: the file view (registry/views/media.py) finds a photo by the name in its URL.
    image = models.FileField(_("照片"), upload_to="photos/%Y/%m/", db_index=True)
    thumbnail = models.FileField(_("缩略图"), upload_to="photos/thumbs/%Y/%m/", db_index=True)
    width = models.PositiveIntegerField(_("宽度"))
    height = models.PositiveIntegerField(_("高度"))
    captured_on = models.DateField(_("拍摄日期"), null=True, blank=True)
    caption = models.CharField(
        _("说明"), max_length=200, blank=True, default="", validators=[validate_text]
    )
    # Not public until a reviewer or registrar of the record's regions says so (registry.
    # permissions.PUBLIC_PHOTO, photo_publish): an upload is never on the public page at once.
    public = models.BooleanField(
        _("公开"),
        default=False,
        help_text=_(
            "公开后（现场调查的照片须待调查通过），任何人都可以在保护对象页面和接口中看到这张照片。"
        ),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["record", "id"]
        verbose_name = _("照片")
        verbose_name_plural = _("照片")

    def __str__(self) -> str:
        return self.caption or self.image.name
