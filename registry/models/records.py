import datetime

from django.contrib.gis.db import models as gis
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import (
    ALLOWED_PARENT_KINDS,
    DESCRIPTION_MAX_LENGTH,
    KINDS_WITH_ARCHIVE,
    KINDS_WITH_PARENTS,
    KINDS_WITH_PLAQUES,
    RECORD_CODE_PATTERN,
    ArchiveLevel,
    Kind,
    Level,
    Status,
    is_blank,
    validate_text,
)
from registry.db import code_collation
from registry.models.spans import in_span, span_q, span_sql
from registry.models.versioned import Versioned
from registry.zones.geometry import validate_stored_zone

# --- Designated on day D (indicators.md): a span of days (registry.models.spans).


def status_on(designated_on, revoked_on, on) -> str:
    """For a record, or rows already read (the export's): dates, or ISO texts of dates."""
    if in_span(designated_on, revoked_on, on):
        return Status.DESIGNATED
    if designated_on is None or designated_on > on:
        return Status.CANDIDATE
    return Status.REVOKED


def designated_q(as_of: datetime.date) -> Q:
    return span_q("designated_on", "revoked_on", as_of)


def designated_sql(on: str, record: str) -> str:
    """designated_q in raw SQL: `on` an SQL expression of the day, `record` a record's alias."""
    return span_sql(f"{record}.designated_on", f"{record}.revoked_on", on)


# --- Archived (测绘建档) on day D (indicators.md): completed on or before D, for good.


def archived_q(as_of: datetime.date) -> Q:
    return Q(archive_completed_on__lte=as_of)


def archived_sql(on: str, record: str) -> str:
    """archived_q in raw SQL (no archive day: NULL, never true)."""
    return f"({record}.archive_completed_on <= {on})"


class RecordQuerySet(models.QuerySet):
    def designated(self, as_of: datetime.date) -> "RecordQuerySet":
        return self.filter(designated_q(as_of))

    def with_status(self, status: str, as_of: datetime.date) -> "RecordQuerySet":
        if status == Status.DESIGNATED:
            return self.designated(as_of)
        if status == Status.REVOKED:
            return self.filter(designated_on__lte=as_of, revoked_on__lte=as_of)
        return self.filter(Q(designated_on__isnull=True) | Q(designated_on__gt=as_of))


class Record(Versioned):
    """A historic city, town, village, district or building. Never deleted; revoked instead."""

    code = models.CharField(
        _("编号"),
        max_length=40,
        unique=True,
        db_collation=code_collation(),
        validators=[
            RegexValidator(
                rf"\A{RECORD_CODE_PATTERN}\Z", _("编号只能由 1–40 个 A-Z a-z 0-9 . _ - 字符组成。")
            ),
            validate_text,
        ],
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=200, validators=[validate_text])
    name_en = models.CharField(
        _("英文名称"), max_length=200, null=True, blank=True, validators=[validate_text]
    )
    level = models.CharField(_("保护级别"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,  # record_region_kind serves region lookups
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    designated_on = models.DateField(_("认定公布日期"), null=True, blank=True)
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    address = models.CharField(
        _("地址"), max_length=500, null=True, blank=True, validators=[validate_text]
    )
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    # Exchange format version 2: what the list entry says about the place.
    era = models.CharField(
        _("建造年代"), max_length=200, null=True, blank=True, validators=[validate_text]
    )
    # TextFields limited by a validator, as Survey.notes (registry.models.limits).
    description = models.TextField(
        _("价值特色与历史沿革"),
        null=True,
        blank=True,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH), validate_text],
    )
    description_en = models.TextField(
        _("英文介绍"),
        null=True,
        blank=True,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH), validate_text],
    )
    # `designation` of exchange.md: three independent texts, all null meaning null.
    designation_batch = models.CharField(
        _("公布批次"), max_length=200, null=True, blank=True, validators=[validate_text]
    )
    designation_document = models.CharField(
        _("公布文号"), max_length=200, null=True, blank=True, validators=[validate_text]
    )
    designation_authority = models.CharField(
        _("公布机关"), max_length=200, null=True, blank=True, validators=[validate_text]
    )
    # `archive` of exchange.md (测绘建档): both or neither, districts and buildings only.
    archive_level = models.CharField(
        _("测绘建档等级"), max_length=10, choices=ArchiveLevel.choices, null=True, blank=True
    )
    archive_completed_on = models.DateField(_("测绘建档完成日期"), null=True, blank=True)
    # `protection_zone` / `control_zone` of exchange.md: a Polygon or MultiPolygon in WGS-84, or
    # none. Generic geometry columns so that a Polygon stays a Polygon; every write passes
    # registry.zones.geometry.parse_zone (valid, RFC 7946 orientation). Spatially indexed: the
    # protection check and the bbox filter (registry/zones/queries.py).
    protection_zone = gis.GeometryField(
        _("保护范围"), srid=4326, null=True, blank=True, validators=[validate_stored_zone]
    )
    control_zone = gis.GeometryField(
        _("建设控制地带"), srid=4326, null=True, blank=True, validators=[validate_stored_zone]
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now, editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("保护对象")
        verbose_name_plural = _("保护对象")
        indexes = [
            models.Index(fields=["region", "kind"], name="record_region_kind"),
            # /records/hc-140728/ finds HC-140728 (selectors.records.canonical_code).
            models.Index(Upper("code"), name="record_code_upper"),
            # The bbox filter's point test (lat, then lon, in the index): a county-sized box
            # reads one band of the index, never the table (registry/zones/bbox.py).
            models.Index(fields=["lat", "lon"], name="record_lat_lon"),
            # A list of one kind in code order (the admin's kind filter, the catalog's, an
            # export) reads the few cities, towns, villages or districts from an index of their
            # own instead of walking the code index past a million buildings; region and level
            # ride along so that those filters beside it, and its count, read no record (with
            # kind and code alone, counting Shanxi's districts read every district). The
            # bench times the admin's districts, for everyone and for Shanxi's surveyor
            # (bench/pages.py).
            # Partial, so SQLite uses one only where a query says `kind = 'district'` (say):
            # never for the indicator state's `kind IN (...)`, whose plan a full index on kind
            # once misled. Buildings need none: nearly every record is one, so the code index
            # finds them at once.
            *(
                models.Index(
                    fields=["kind", "code", "region", "level"],
                    condition=Q(kind=kind),
                    name=f"record_{kind}_code",
                )
                for kind in (Kind.CITY, Kind.TOWN, Kind.VILLAGE, Kind.DISTRICT)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="record_kind_valid"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="record_level_valid"),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True)
                | (Q(designated_on__isnull=False) & Q(revoked_on__gt=F("designated_on"))),
                name="record_revoked_after_designated",
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lon__isnull=True))
                | (Q(lat__gte=-90) & Q(lat__lte=90) & Q(lon__gte=-180) & Q(lon__lte=180)),
                name="record_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(kind__in=list(KINDS_WITH_PARENTS)),
                name="record_parent_only_for_district_building",
            ),
            models.CheckConstraint(
                condition=(Q(archive_level__isnull=True) & Q(archive_completed_on__isnull=True))
                | (
                    Q(archive_level__in=ArchiveLevel.values)
                    & Q(archive_completed_on__isnull=False)
                    & Q(kind__in=sorted(KINDS_WITH_ARCHIVE))
                ),
                name="record_archive_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        """The exchange format's rules that no database constraint holds (exchange.md, `code`
        and `parent`): whatever the registry holds must export into a file it would import
        again. A code is never reused and never changes kind, so neither may change at all."""
        errors = {}
        if self.name and is_blank(self.name):
            errors["name"] = _("名称不能为空白。")
        if self.pk is not None:
            old = Record.objects.filter(pk=self.pk).values_list("code", "kind").first()
            if old and self.code != old[0]:
                errors["code"] = _("编号一经公布永不改变（此记录的编号是 %(code)s）。") % {
                    "code": old[0]
                }
            if old and self.kind != old[1]:
                errors["kind"] = _("类别不能更改：一个编号永远是同一类别。")
        # self.parent: the form has already loaded it (a query only where nothing had).
        allowed = ALLOWED_PARENT_KINDS.get(self.kind)
        if self.parent_id is not None and allowed is not None and self.parent.kind not in allowed:
            errors["parent"] = _("%(kind)s不能隶属于%(parent)s。") % {
                "kind": Kind(self.kind).label,
                "parent": Kind(self.parent.kind).label,
            }
        if (self.archive_level is None) != (self.archive_completed_on is None):
            key = "archive_completed_on" if self.archive_completed_on is None else "archive_level"
            errors[key] = _("测绘建档等级和完成日期须同时填写。")
        elif self.archive_level is not None and self.kind not in KINDS_WITH_ARCHIVE:
            errors["archive_level"] = _("只有历史文化街区和历史建筑有测绘建档。")
        if errors:
            raise ValidationError(errors)

    def status_on(self, as_of: datetime.date | None = None) -> str:
        return status_on(self.designated_on, self.revoked_on, as_of or timezone.localdate())

    @property
    def status(self) -> str:
        return self.status_on()


# --- A plaque hangs on day D (indicators.md): a span of days (registry.models.spans). What
# asks whether a plaque hangs (the catalog, the API, the admin, the export, the indicators)
# asks one of these.


def plaque_hangs(installed_on, removed_on, on) -> bool:
    """For rows already read (the export's): dates, or ISO texts of dates."""
    return in_span(installed_on, removed_on, on)


def hanging_q(on) -> Q:
    return span_q("installed_on", "removed_on", on)


def hanging_sql(on: str, plaque: str) -> str:
    """hanging_q in raw SQL: `on` an SQL expression of the day, `plaque` a plaque's alias."""
    return span_sql(f"{plaque}.installed_on", f"{plaque}.removed_on", on)


class PlaqueQuerySet(models.QuerySet):
    def hanging(self, *, on: datetime.date) -> "PlaqueQuerySet":
        return self.filter(hanging_q(on))


class Plaque(Versioned):
    """A protection plaque (保护标志牌) on a district or building; several may hang at once."""

    record = models.ForeignKey(
        Record,
        verbose_name=_("保护对象"),
        on_delete=models.PROTECT,
        related_name="plaques",
        db_index=False,  # plaque_record_installed leads with record
    )
    number = models.CharField(
        _("牌号"), max_length=100, null=True, blank=True, validators=[validate_text]
    )
    installed_on = models.DateField(_("挂牌日期"))
    removed_on = models.DateField(_("摘牌日期"), null=True, blank=True)

    objects = PlaqueQuerySet.as_manager()

    class Meta:
        ordering = ["record", "installed_on", "id"]
        verbose_name = _("保护标志牌")
        verbose_name_plural = _("保护标志牌")
        indexes = [models.Index(fields=["record", "installed_on"], name="plaque_record_installed")]
        constraints = [
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gt=F("installed_on")),
                name="plaque_removed_after_installed",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def clean(self):
        # Not keyed to the record field: the record's admin page edits plaques in an inline,
        # whose forms leave that field out. self.record: an inline's forms share the page's
        # record, so n plaques cost no query each.
        if self.record_id is not None and self.record.kind not in KINDS_WITH_PLAQUES:
            raise ValidationError(_("只有历史文化街区和历史建筑可以挂保护标志牌。"))
