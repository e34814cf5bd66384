"""Roles: the Django groups that say what a person may do, and the one query that reads them.

Every layer asks "which roles does this user hold?" (the audit trail's readers too), so the
answer lives in the foundation, below every capability."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.db import connections, models, router

from registry.core.rawrows import sql_per_vendor, user_groups_table


class Role(models.TextChoices):
    """Roles are Django groups of these names, created by a migration."""

    ENGINEER = "engineer", "Engineer"
    COMPLIANCE = "compliance", "Compliance"
    LEGAL = "legal", "Legal"
    SECURITY = "security", "Security"
    FINANCE = "finance", "Finance"
    PRIVACY = "privacy", "Privacy"
    EXECUTIVE = "executive", "Executive"
    AUDITOR = "auditor", "Auditor"


# Roles that read everything and change nothing.
READ_ONLY_ROLES = frozenset({Role.EXECUTIVE, Role.AUDITOR})
# Roles that sign off deployments and complete risk reviews for their function.
REVIEW_FUNCTIONS = (Role.LEGAL, Role.SECURITY, Role.PRIVACY, Role.FINANCE, Role.COMPLIANCE)


_ROLE_NAMES = frozenset(r.value for r in Role)


@sql_per_vendor
def _group_names_sql(connection: Any) -> str:
    """The names of a user's groups. Written by hand, as the object-permission query in
    ``registry.people.auth_backends``: every write asks, and building it through the related
    manager cost several times what the database spends answering it. Names come from the
    models."""
    q = connection.ops.quote_name
    table, user_fk, group_fk = user_groups_table()
    group = Group._meta
    return (
        f"SELECT {q('g')}.{q(group.get_field('name').column)} "  # noqa: S608 (names only)
        f"FROM {q(group.db_table)} {q('g')} JOIN {q(table)} {q('m')} "
        f"ON {q('m')}.{q(group_fk)} = {q('g')}.{q(group.pk.column)} "
        f"WHERE {q('m')}.{q(user_fk)} = %s"
    )


def roles_of(user: Any) -> frozenset[str]:
    """The user's role names, cached on the user object for the length of a request."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_steward_roles", None)
    if cached is None:
        connection = connections[router.db_for_read(Group)]
        with connection.cursor() as cursor:
            cursor.execute(_group_names_sql(connection), [user.pk])
            cached = frozenset(name for (name,) in cursor.fetchall() if name in _ROLE_NAMES)
        user._steward_roles = cached
    return cached


def is_read_only(user: Any) -> bool:
    return bool(roles_of(user) & READ_ONLY_ROLES) and not user.is_superuser


def can_write_registry(user: Any) -> bool:
    """May the user write to the registry at all (before any object grant)?"""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Role.ENGINEER in roles_of(user) and not is_read_only(user)


# --- Raising twins: what services call --------------------------------------------------------


def deny(message: str, field: str | None) -> None:
    raise PermissionDenied({field: message} if field else message)


def require_write_registry(user: Any) -> None:
    if not can_write_registry(user):
        deny("Your roles do not allow changes to the registry.", None)
