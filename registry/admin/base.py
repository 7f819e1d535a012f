"""What every registry admin shares: the permission rules of registry.permissions applied to
querysets (an object outside one's regions is not found) and to each action (403)."""

from django.contrib import admin
from django.http import Http404

from registry import permissions


class RestrictedAdminMixin:
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

    class Media:
        css = {"all": ["registry/admin-workflow.css"]}
