"""Who reads, verifies and exports the whole audit trail. Everyone signed in reads the history of
the objects they can see."""

from __future__ import annotations

from typing import Any

from registry.core.roles import Role, deny, roles_of

# --- The audit trail --------------------------------------------------------------------------

# Roles that read, verify and export the whole audit trail. Everyone signed in reads the history
# of the objects they can see.
AUDIT_READER_ROLES = frozenset({Role.AUDITOR, Role.COMPLIANCE, Role.EXECUTIVE})


def can_read_audit_trail(user: Any) -> bool:
    """May the user read the whole audit trail, verify it and export it?"""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(roles_of(user) & AUDIT_READER_ROLES)


def require_read_audit_trail(user: Any) -> None:
    if not can_read_audit_trail(user):
        deny("Only auditors, compliance and executives read the whole audit trail.", None)
