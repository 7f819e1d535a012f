"""The one way to bring what is derived from the records up to date after a write: the
indicator state (indicator_state.refresh), the search data (search_index.refresh), and, for
the objects the write created or changed, their version and their change-log entry
(audit.log_bulk / audit.record_import). Every write path ends here:

- the exchange importer (registry/exchange/importer.py), after its raw-SQL merge;
- the survey import (registry/services/survey_import.py), after its bulk_create;
- the restore of a backup (registry/services/backup.py), a full rebuild after loading the rows
  (which bring their own history: nothing is logged);
- the signal receivers below, for every single-object ORM save or delete of a Record, Plaque
  or Survey: the services' saves (which log with their user, inside audit.in_charge()) and a
  plain `save()` alike, which is logged here with no user (the system);
- `manage.py refresh_derived`, the full rebuild (and with --check the drift check,
  registry/services/derived_check.py).

A write that sends no signals (QuerySet.update, bulk_create, raw SQL) calls `written` itself.
Everything is set-based SQL, whatever the number of records.
"""

from collections.abc import Callable, Iterable, Sequence

from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save, pre_save

from registry.models import ChangeAction, Plaque, Record, Survey
from registry.services import audit, indicator_state, search_index

Records = QuerySet | Iterable[int] | None
# (model, SQL selecting the ids of its objects the write created or changed, parameters)
Logged = tuple[type[Model], str, Sequence]


def written(
    records: Records,
    *,
    logged: Iterable[Logged] = (),
    user=None,
    action: str = ChangeAction.IMPORT,
    search: bool = True,
    bump: bool = True,
    lap: Callable[[str], None] = lambda phase: None,
) -> None:
    """After a write that touched `records` (a Record queryset or ids; None: all of them):
    refresh their indicator state and (unless `search` is False: a write of plaques or surveys
    only) their search data, then log every object `logged` names, as `user` with `action`;
    logged records also move on one version (unless `bump` is False: the saved instance
    already did), so that a form opened before cannot overwrite the write. `lap(phase)` is
    told when each phase ends (the importer's timings)."""
    with transaction.atomic():
        refresh(records, search=search, lap=lap)
        for model, ids_sql, params in logged:
            if model is Record and bump:
                audit.record_import(records_sql=ids_sql, params=params, user=user, action=action)
            else:
                audit.log_bulk(
                    model=model, ids_sql=ids_sql, params=params, user=user, action=action
                )
        if logged:
            lap("audit")


def refresh(
    records: Records = None, *, search: bool = True, lap: Callable[[str], None] = lambda p: None
) -> None:
    """Only the derived tables, no log: indicators, then search data, of `records` (None: a
    full rebuild, as restore and `manage.py refresh_derived` do)."""
    indicator_state.refresh(records)
    lap("indicators")
    if search:
        search_index.refresh(records)
        lap("search")


# --- Single-object ORM writes ----------------------------------------------------------------

OWNER_FIELD = {Plaque: "record_id", Survey: "building_id"}
ONE_RECORD = "%s"


def _record_saving(sender, instance, raw=False, **kwargs):
    """A plain save of a changed record moves its version on, like a service's would (the
    services move it themselves, inside audit.in_charge()). A restore's rows (raw) are kept."""
    if not raw and not instance._state.adding and not audit.is_in_charge():
        instance.version += 1


def _record_saved(sender, instance, created=False, raw=False, **kwargs):
    # A plain save is logged here, with no user (its version moved on in _record_saving); a
    # service logs its own save, with its user and action.
    logged = []
    action = ChangeAction.CREATE if created else ChangeAction.CHANGE
    if not raw and not audit.is_in_charge():
        logged = [(Record, ONE_RECORD, [instance.pk])]
    written([instance.pk], logged=logged, action=action, bump=False)


def _record_deleted(sender, instance, **kwargs):
    written([instance.pk])


def _remember_owner(sender, instance, raw=False, **kwargs):
    """A plaque or survey moved to another record leaves its old record to refresh too."""
    field = OWNER_FIELD[sender]
    old = None
    if instance.pk is not None and not raw:
        old = sender.objects.filter(pk=instance.pk).values_list(field, flat=True).first()
    instance._indicator_old_owner = old


def _owner_changed(sender, instance, **kwargs):
    old = getattr(instance, "_indicator_old_owner", None)
    owners = {getattr(instance, OWNER_FIELD[sender]), old}
    # A record's search keys are its own fields: its plaques and surveys count only in the
    # indicators.
    written([pk for pk in owners if pk is not None], search=False)


def connect_signals() -> None:
    """Called from RegistryConfig.ready()."""
    uid = "derived"
    pre_save.connect(_record_saving, sender=Record, dispatch_uid=f"{uid}.record.pre")
    post_save.connect(_record_saved, sender=Record, dispatch_uid=f"{uid}.record.save")
    post_delete.connect(_record_deleted, sender=Record, dispatch_uid=f"{uid}.record.delete")
    for model in OWNER_FIELD:
        name = model._meta.model_name
        pre_save.connect(_remember_owner, sender=model, dispatch_uid=f"{uid}.{name}.pre")
        post_save.connect(_owner_changed, sender=model, dispatch_uid=f"{uid}.{name}.save")
        post_delete.connect(_owner_changed, sender=model, dispatch_uid=f"{uid}.{name}.delete")
