"""Who may see the accountability map."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from registry.core import roles
from registry.core.roles import Role

# --- The accountability map -------------------------------------------------------------------
#
# The map is the oversight view: executives answer for systems, compliance runs the second line,
# auditors check the record. Engineers and the other reviewing functions work from system pages
# and their queue; the map also shows spend and every system's review state, which is oversight
# information rather than theirs to act on, so they get a 403 with the reason.

MAP_READER_ROLES = frozenset({Role.EXECUTIVE, Role.COMPLIANCE, Role.AUDITOR})


def can_view_accountability_map(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(roles.roles_of(user) & MAP_READER_ROLES)


def require_view_accountability_map(user: Any) -> None:
    if not can_view_accountability_map(user):
        raise PermissionDenied(
            "The accountability map is for executives, compliance and auditors. Your systems' "
            "owners, approvals, reviews and spend are on their system pages."
        )
