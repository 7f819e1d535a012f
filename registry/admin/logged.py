"""Inline formsets saved with an audit entry per created or changed object."""

from registry.models import ChangeAction
from registry.services import audit


def save_logged_formset(request, formset) -> None:
    objects = formset.save(commit=False)
    changed = [obj for obj, _fields in formset.changed_objects]
    # The forms have already put the new values on the instances: read the old ones.
    before = formset.model.objects.in_bulk([obj.pk for obj in changed]) if changed else {}
    for obj in objects:
        with audit.in_charge():
            obj.save()
        if obj in formset.new_objects:
            audit.log(user=request.user, action=ChangeAction.CREATE, obj=obj)
        else:
            old = before.get(obj.pk)
            old_values = audit.snapshot(old) if old is not None else None
            audit.log(user=request.user, action=ChangeAction.CHANGE, obj=obj, before=old_values)
    formset.save_m2m()
