"""Documents of a record: 批复文件 (the approval), 保护图则 (the conservation plan),
测绘图纸 (survey drawings) and others. Stored as verified by registry.services.documents: a
PDF as uploaded once it parses and carries no active content, an image only as the photo
service's re-encoding.

A document is never deleted: the change log and the record's history name it. One uploaded in
error, or superseded, is withdrawn (`withdrawn_at`): no longer listed nor served to the public,
still seen by staff in the admin."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import validate_text


class DocumentKind(models.TextChoices):
    APPROVAL = "approval", _("批复文件")
    PLAN = "plan", _("保护图则")
    DRAWING = "drawing", _("测绘图纸")
    OTHER = "other", _("其他")


# What a stored file is, as verified (never as the uploader declared it).
CONTENT_TYPES = [
    ("application/pdf", "PDF"),
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
    ("image/webp", "WebP"),
]


class DocumentQuerySet(models.QuerySet):
    def public(self):
        """What anyone may see: marked public and not withdrawn (permissions.PUBLIC_DOCUMENT)."""
        from registry.permissions import PUBLIC_DOCUMENT

        return self.filter(PUBLIC_DOCUMENT)


class RecordDocument(models.Model):
    record = models.ForeignKey(
        "registry.Record",
        verbose_name=_("保护对象"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    title = models.CharField(_("标题"), max_length=200, validators=[validate_text])
    kind = models.CharField(_("文件类别"), max_length=10, choices=DocumentKind.choices)
    # Not public by default: an uploader publishes a document on purpose (a plan may show
    # what an owner would not want shown), never by forgetting a box.
    public = models.BooleanField(_("公开"), default=False)
    # Indexed: the file view (registry/views/media.py) finds a document by the name in its URL.
    file = models.FileField(_("文件"), upload_to="documents/%Y/%m/", db_index=True)
    content_type = models.CharField(
        _("文件类型"), max_length=40, choices=CONTENT_TYPES, editable=False
    )
    size = models.PositiveBigIntegerField(_("大小（字节）"), editable=False)
    sha256 = models.CharField(
        _("SHA-256"),
        max_length=64,
        editable=False,
        validators=[RegexValidator(r"\A[0-9a-f]{64}\Z"), validate_text],
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
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True, editable=False)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["record", "kind", "id"]
        verbose_name = _("文件")
        verbose_name_plural = _("文件")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=[value for value, _ in CONTENT_TYPES]),
                name="document_content_type_known",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"
