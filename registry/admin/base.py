"""What every registry admin shares: the permission rules of registry.permissions applied to
querysets (an object outside one's regions is not found) and to each action (403); and what
every admin of the site shares (auth's and axes' too): lookups in a list's URL are bounded."""

import re
from functools import partial

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from registry import permissions

OUT_OF_SCOPE = _("没有这个对象，或它不在您的工作区域内。")
INTEGER = re.compile(r"\s*[-+]?\d+\s*")
INT64_MAX = 2**63 - 1


class BoundedLookupsMixin:
    """A list's URL lookup with a number no integer column can hold (?record=10**30,
    ?id__in=1,10**30) goes back to the list with ?e=1, like any lookup the admin cannot apply.
    Django bounds such numbers only for lookups on integer fields themselves; through a
    relation (a foreign key, a reverse relation, `__in`) SQLite cannot bind them: a server
    error. Checked on the value alone (a text field compared with such a number is no loss)."""

    def lookup_allowed(self, lookup, value, request=None):
        for piece in str(value).split(","):
            if INTEGER.fullmatch(piece) and abs(int(piece)) > INT64_MAX:
                raise IncorrectLookupParameters(f"{lookup}: {piece.strip()[:30]}")
        return super().lookup_allowed(lookup, value, request)


def bound_every_admin(site: admin.AdminSite) -> None:
    """Give every ModelAdmin registered on `site` so far (Django's auth and axes register
    their own) the BoundedLookupsMixin: one rule for every list of the site."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, BoundedLookupsMixin):
            continue
        cls = type(model_admin)
        site.unregister(model)
        site.register(model, type(cls.__name__, (BoundedLookupsMixin, cls), {}))


class RestrictedAdminMixin(BoundedLookupsMixin):
    """Querysets and has_*_permission from registry.permissions; nothing is ever deleted."""

    def get_queryset(self, request):
        return permissions.restrict(super().get_queryset(request), request.user)

    def has_module_permission(self, request):
        return bool(permissions.roles(request.user))

    def has_view_permission(self, request, obj=None):
        return self._may(request, permissions.VIEW, obj)

    def has_add_permission(self, request, obj=None):
        # Inlines pass the parent object: adding a plaque to it needs the parent in scope.
        return permissions.allowed(request.user, self.model, permissions.ADD) and (
            obj is None or permissions.in_scope(request.user, permissions.region_of(obj))
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj._meta.model is not self.model:  # an inline's parent
            return permissions.allowed(request.user, self.model, permissions.CHANGE)
        return self._may(request, permissions.CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def _may(self, request, action, obj):
        if obj is None or obj._meta.model is not self.model:
            return permissions.allowed(request.user, self.model, action)
        return permissions.can(request.user, action, obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Not found, or outside the user's regions: the same 404, which tells nothing.
        raise Http404

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class RestrictedModelAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    show_full_result_count = False  # no second COUNT(*) over a million rows per search

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The object being edited goes to formfield_for_dbfield, for its current choices.
        callback = partial(self.formfield_for_dbfield, request=request, editing=obj)
        return super().get_form(request, obj, change, formfield_callback=callback, **kwargs)

    def formfield_for_dbfield(self, db_field, request, editing=None, **kwargs):
        # Every foreign key offers (and accepts) what permissions.choices gives the user.
        if db_field.many_to_one and "queryset" not in kwargs:
            keep = getattr(editing, db_field.attname, None)
            queryset = db_field.related_model._default_manager.all()
            kwargs["queryset"] = permissions.choices(queryset, request.user, keep=keep)
            kwargs.setdefault("error_messages", {"invalid_choice": OUT_OF_SCOPE})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    class Media:
        css = {"all": ["registry/admin-workflow.css"]}


def autocompleting(request, model_name: str, field_name: str) -> bool:
    """Is this the admin's autocomplete view, asking for choices of `model_name`.`field_name`?
    (It asks the related model's admin, which can tell only from the request.)"""
    match = getattr(request, "resolver_match", None)
    return (
        match is not None
        and match.url_name == "autocomplete"
        and request.GET.get("app_label") == "registry"
        and request.GET.get("model_name") == model_name
        and request.GET.get("field_name") == field_name
    )
