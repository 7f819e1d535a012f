"""Optimistic locking of records, plaques and surveys (registry.models.Versioned).

A page posts back the version its object had when the page was opened; the write service
locks the row, and if the version has moved on since (someone else saved, reviewed or
imported it) refuses with `stale_message` and saves nothing. Every write adds one to the
version. The admin's forms check first (VersionedForm), so that a stale page is shown again
with the message; the services check again, so that no caller can skip it.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def stale_message(current: int | None) -> str:
    return _(
        "保存失败：此记录已被他人修改（当前版本 %(version)s），您的更改未保存。"
        "请重新打开此页面，核对最新内容后再修改。"
    ) % {"version": "-" if current is None else current}


def lock(queryset: models.QuerySet, pk, version: int | None):
    """The object `pk` of `queryset`, its row locked until the transaction ends, if it is
    still at `version`; ValidationError (code "stale") if it moved on or is gone."""
    current = queryset.select_for_update().filter(pk=pk).first()
    if current is None or current.version != version:
        found = None if current is None else current.version
        raise ValidationError(stale_message(found), code="stale")
    return current


def advance(obj: models.Model) -> None:
    """Before the object's save: its version moves on, and pages opened before are stale."""
    obj.version += 1
