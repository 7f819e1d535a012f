"""Writes of records: create, change (with optimistic locking: registry.services.locking; a
designation too), revoke.

Every write is a single-object ORM save, so the indicator state and the search data follow by
their signals (registry/services/derived.py), and is logged here (registry.services.audit) with
its user and its values before and after, inside audit.in_charge() so that the signal's log of
plain saves leaves it alone.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from registry import permissions
from registry.models import ChangeAction, Record
from registry.services import audit, locking


def record_create(*, user, data: dict) -> Record:
    record = Record(**data)
    if not permissions.can(user, permissions.ADD, record):
        raise PermissionDenied
    if record.parent_id is not None and not permissions.may_choose(user, record.parent):
        raise PermissionDenied
    if record.designated_on and not permissions.can(user, permissions.DESIGNATE, record):
        raise PermissionDenied
    with transaction.atomic(), audit.in_charge():
        record.full_clean()
        record.save()
        audit.log(user=user, action=ChangeAction.CREATE, obj=record)
    return record


def record_update(*, user, record: Record, data: dict, version: int) -> Record:
    """Apply `data` (field name -> value) to the record if it is still at `version`: a save
    based on an older version raises ValidationError (code "stale") and changes nothing.
    Returns the record as saved (`record` itself is left as it was given)."""
    with transaction.atomic(), audit.in_charge():
        current = locking.lock(Record.objects.select_related("region"), record.pk, version)
        before = audit.snapshot(current)
        action = _check_update(user, current, data)
        for name, value in data.items():
            setattr(current, name, value)
        if not permissions.in_scope(user, current.region_id):
            raise PermissionDenied  # a record may not be moved out of one's own regions
        current.full_clean()
        locking.advance(current)
        current.updated_at = timezone.now()
        current.save()
        audit.log(user=user, action=action, obj=current, before=before)
    return current


def _check_update(user, current: Record, data: dict) -> str:
    if not permissions.can(user, permissions.CHANGE, current):
        raise PermissionDenied
    registrar_fields = any(f in data for f in permissions.REGISTRAR_RECORD_FIELDS)
    if registrar_fields and not permissions.can(user, permissions.DESIGNATE, current):
        raise PermissionDenied
    parent = data.get("parent")
    moved = "parent" in data and getattr(parent, "pk", None) != current.parent_id
    if moved and parent is not None and not permissions.may_choose(user, parent):
        raise PermissionDenied  # a parent in another region: not the user's to count there
    if "revoked_on" in data and data["revoked_on"] != current.revoked_on:
        return ChangeAction.REVOKE
    if "designated_on" in data and data["designated_on"] != current.designated_on:
        return ChangeAction.DESIGNATE
    return ChangeAction.CHANGE


def record_revoke(*, user, record: Record, on: datetime.date, version: int) -> Record:
    """Revocation is the way out of the registry: records are never deleted."""
    return record_update(user=user, record=record, data={"revoked_on": on}, version=version)
