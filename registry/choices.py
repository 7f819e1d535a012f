"""Enumerations of the exchange format (values) and their names for people (labels), and the
format's rules that the models, the forms and the importer all hold."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CITY = "city", _("历史文化名城")
    TOWN = "town", _("历史文化名镇")
    VILLAGE = "village", _("历史文化名村")
    DISTRICT = "district", _("历史文化街区")
    BUILDING = "building", _("历史建筑")


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市县级")


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    PREFECTURE = "prefecture", _("地级")
    COUNTY = "county", _("县级")


class Status(models.TextChoices):
    """Derived from the designation dates, never stored."""

    CANDIDATE = "candidate", _("预备名单")
    DESIGNATED = "designated", _("已认定")
    REVOKED = "revoked", _("已撤销")


class Occupancy(models.TextChoices):
    IN_USE = "in_use", _("在用")
    VACANT = "vacant", _("空置")


class Condition(models.TextChoices):
    GOOD = "good", _("好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("差")
    DANGEROUS = "dangerous", _("危险")


class ArchiveLevel(models.TextChoices):
    """测绘建档 (exchange.md version 2, key `archive`)."""

    BRIEF = "brief", _("简略")
    TYPICAL = "typical", _("典型")
    FULL = "full", _("全面")


class SurveyState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已退回")


# Which kinds may be the parent of which (exchange.md, key `parent`).
ALLOWED_PARENT_KINDS: dict[str, frozenset[str]] = {
    Kind.CITY: frozenset(),
    Kind.TOWN: frozenset(),
    Kind.VILLAGE: frozenset(),
    Kind.DISTRICT: frozenset({Kind.CITY, Kind.TOWN, Kind.VILLAGE}),
    Kind.BUILDING: frozenset({Kind.DISTRICT, Kind.CITY, Kind.TOWN, Kind.VILLAGE}),
}
# ...read two ways: the kinds that may have a parent (in Kind's order, so that the check
# constraint built from it stays the same), and those that never do.
KINDS_WITH_PARENTS = tuple(kind for kind, parents in ALLOWED_PARENT_KINDS.items() if parents)
PARENTLESS_KINDS = frozenset(kind for kind, parents in ALLOWED_PARENT_KINDS.items() if not parents)
KINDS_WITH_PLAQUES = frozenset({Kind.DISTRICT, Kind.BUILDING})
# A record's code (exchange.md, key `code`), and a date as both specs write it.
RECORD_CODE_PATTERN = r"[A-Za-z0-9._-]{1,40}"
ISO_DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
# The longest survey notes the importer takes; the admin and the services hold the same limit,
# so that whatever the registry holds exports into a file it would import again.
SURVEY_NOTES_MAX_LENGTH = 20_000
KINDS_WITH_SURVEYS = frozenset({Kind.BUILDING})
# 测绘建档 (exchange.md version 2, key `archive`): districts and buildings only, the kinds whose
# archive coverage indicators.md counts.
KINDS_WITH_ARCHIVE = frozenset({Kind.DISTRICT, Kind.BUILDING})
# The longest description (价值特色与历史沿革) in either language (exchange.md version 2).
DESCRIPTION_MAX_LENGTH = 20_000


def is_blank(text: str) -> bool:
    """Blank (exchange.md: a name is "not blank"): nothing a reader could see. Spaces, and
    also invisible format and control characters such as U+200B, which str.strip() keeps."""
    return all(c.isspace() or unicodedata.category(c) in ("Cf", "Cc") for c in text)


# Characters no text of the registry may hold, on any way in (the exchange importer, the survey
# import, the models' validators, hence the admin and the services): NUL, which PostgreSQL
# cannot store (SQLite can, and then the registry's export no longer imports and its backup no
# longer restores into PostgreSQL), and surrogates, which are not Unicode characters and have
# no UTF-8. The reasons are the exchange importer's words (exchange.md readers see them).
NUL_REASON = "contains a NUL character"
SURROGATE_REASON = "contains an unpaired surrogate (not valid Unicode)"
FORBIDDEN_MESSAGES = {
    NUL_REASON: _("含有空字符（NUL），不能保存。"),
    SURROGATE_REASON: _("含有无效字符（不成对的 Unicode 代理项），不能保存。"),
}
FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def forbidden_character(text: str) -> str | None:
    """The reason `text` may not be stored, or None."""
    if "\x00" in text:
        return NUL_REASON
    if not text.isascii() and FORBIDDEN_CHARACTERS.search(text):
        return SURROGATE_REASON
    return None


def validate_text(value) -> None:
    """The validator of every text field of the registry's models."""
    reason = forbidden_character(str(value))
    if reason is not None:
        raise ValidationError(FORBIDDEN_MESSAGES[reason], code="forbidden_character")


def visible(text: str) -> str:
    """`text` safe to show on a page (a surrogate cannot even be encoded into one)."""
    return FORBIDDEN_CHARACTERS.sub("\ufffd", text)
