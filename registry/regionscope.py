"""GB/T 2260 codes as scopes: "140000" is all of Shanxi, "140700" Jinzhong, "140728" one county.

A scope is turned into a closed range of codes rather than a LIKE 'prefix%' so that both
SQLite and PostgreSQL answer it from the ordinary B-tree index on the region column.
"""

import re

from django.db.models import Q

REGION_CODE_RE = re.compile(r"^[0-9]{6}$")
REGION_PREFIX_RE = re.compile(r"^(?:[0-9]{2}){1,3}$")


def scope_prefix(code: str) -> str:
    """'140000' -> '14', '140700' -> '1407', '140728' -> '140728'."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def scope_range(code: str) -> tuple[str, str]:
    prefix = scope_prefix(code)
    return prefix.ljust(6, "0"), prefix.ljust(6, "9")


def region_q(code: str, field: str = "region_id") -> Q:
    return prefix_q(scope_prefix(code), field)


def prefix_q(prefix: str, field: str = "region_id") -> Q:
    """The codes that start with `prefix` (2, 4 or 6 digits), as a range like region_q."""
    return Q(**{f"{field}__gte": prefix.ljust(6, "0"), f"{field}__lte": prefix.ljust(6, "9")})


def group_prefix(by: str, key: str) -> str:
    """The codes in a report's row (indicators.md's grouping keys): a province row holds the
    codes starting with key[:2], a prefecture row key[:4], a county row the key itself."""
    return key[: {"province": 2, "prefecture": 4, "county": 6}[by]]


def province_key(code: str) -> str:
    return code[:2] + "0000"


def prefecture_key(code: str) -> str:
    return code[:4] + "00"


def is_known_scope(code: str) -> bool:
    """Six digits, and some region the registry knows lies in it (indicators.md)."""
    from registry.models import Region

    if not isinstance(code, str) or not REGION_CODE_RE.fullmatch(code):
        return False
    return Region.objects.filter(region_q(code, field="code")).exists()
