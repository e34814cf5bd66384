"""DRF permission classes. They only ask the roles (``registry.core.roles``); object rules are
enforced by the services, so the API cannot decide differently from the UI or the admin."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from registry.core import roles as permissions


class RegistryWritePermission(BasePermission):
    """Anyone signed in reads; only roles that may write the registry send anything else."""

    message = "Your roles do not allow changes to the registry."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return permissions.can_write_registry(request.user)
