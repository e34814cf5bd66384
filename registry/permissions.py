"""One place answers "may this user …?" for the registry.

Predicates (``can_*``) return a bool for templates and API hints; their raising
twins
(``require_*``) are what services call, so a rule is enforced wherever a change comes from.
Object grants live in django-guardian: a system's owning team (through the team's group) and its
technical owner hold ``change_aisystem`` and ``register_aisystem`` on it; a dataset's owning team
and its creator hold ``change_dataset``.

Everyone signed in reads the inventory. Writing needs the ``engineer`` role (or superuser) and, for
an existing object, the object grant. Executives and auditors never write, whatever else they hold.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from .choices import READ_ONLY_ROLES, Role
from .models import AISystem, Dataset, Team
from .rawrows import sql_per_vendor, user_groups_table

SYSTEM_GRANTS = ("registry.change_aisystem", "registry.register_aisystem")
DATASET_GRANTS = ("registry.change_dataset",)


_ROLE_NAMES = frozenset(r.value for r in Role)


@sql_per_vendor
def _group_names_sql(connection: Any) -> str:
    """The names of a user's groups. Written by hand, as the object-permission query in
    ``auth_backends``: every write asks, and building it through the related manager cost
    several times what the database spends answering it. Names come from the models."""
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


def team_ids_of(user: Any) -> frozenset[int]:
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_steward_team_ids", None)
    if cached is None:
        cached = frozenset(Team.objects.filter(group__user=user).values_list("id", flat=True))
        user._steward_team_ids = cached
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


def can_create_system(user: Any, team: Team) -> bool:
    """Engineers create systems for a team they belong to."""
    if not can_write_registry(user):
        return False
    return user.is_superuser or team.pk in team_ids_of(user)


def can_change_system(user: Any, system: AISystem) -> bool:
    return can_write_registry(user) and user.has_perm("registry.change_aisystem", system)


def can_register_under(user: Any, system: AISystem) -> bool:
    """May the user add models, versions, deployments and dataset links under this system?"""
    return can_write_registry(user) and user.has_perm("registry.register_aisystem", system)


def can_create_dataset(user: Any, owner_team: Team | None) -> bool:
    if not can_write_registry(user):
        return False
    return owner_team is None or user.is_superuser or owner_team.pk in team_ids_of(user)


def can_change_dataset(user: Any, dataset: Dataset) -> bool:
    return can_write_registry(user) and user.has_perm("registry.change_dataset", dataset)


def can_manage_team(user: Any, team: Team) -> bool:
    """Teams are organisation structure: superusers and the team's lead manage them."""
    if user is None or not user.is_authenticated or is_read_only(user):
        return False
    return user.is_superuser or (team.lead_id is not None and team.lead_id == user.pk)


def can_record_costs(user: Any) -> bool:
    """Finance records what systems cost; so do FinOps pipelines, with the token of a user who
    holds the finance role; and superusers. Read-only roles never do, whatever else they hold."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Role.FINANCE in roles_of(user) and not is_read_only(user)


# --- Raising twins: what services call --------------------------------------------------------


def _deny(message: str, field: str | None) -> None:
    raise PermissionDenied({field: message} if field else message)


def require_write_registry(user: Any) -> None:
    if not can_write_registry(user):
        _deny("Your roles do not allow changes to the registry.", None)


def require_create_system(user: Any, team: Team) -> None:
    require_write_registry(user)
    if not can_create_system(user, team):
        _deny(f"You may only create systems for a team you belong to, not '{team}'.", "owning_team")


def require_change_system(user: Any, system: AISystem) -> None:
    require_write_registry(user)
    if not can_change_system(user, system):
        _deny(f"Only the owning team and technical owner may change '{system}'.", None)


def require_register_under(user: Any, system: AISystem, *, field: str | None = None) -> None:
    require_write_registry(user)
    if not can_register_under(user, system):
        _deny(
            f"Only the owning team and technical owner may register under system '{system}'.",
            field,
        )


def require_create_dataset(user: Any, owner_team: Team | None) -> None:
    require_write_registry(user)
    if not can_create_dataset(user, owner_team):
        _deny(
            f"You may only create datasets owned by a team you belong to, not '{owner_team}'.",
            "owner_team",
        )


def require_change_dataset(user: Any, dataset: Dataset, *, field: str | None = None) -> None:
    require_write_registry(user)
    if not can_change_dataset(user, dataset):
        _deny(f"Only the owning team of dataset '{dataset}' may change it.", field)


def require_record_costs(user: Any) -> None:
    if not can_record_costs(user):
        _deny("Only finance (or a FinOps pipeline with a finance token) records spend.", None)


def require_manage_team(user: Any, team: Team) -> None:
    if not can_manage_team(user, team):
        _deny(f"Only an administrator or the lead of '{team}' may change it.", None)


# --- Querysets filtered in the database -------------------------------------------------------


def systems_changeable_by(user: Any) -> QuerySet[AISystem]:
    """Systems the user may change, in one query (guardian user and group grants)."""
    if not can_write_registry(user):
        return AISystem.objects.none()
    return get_objects_for_user(
        user, "registry.change_aisystem", klass=AISystem, accept_global_perms=False
    )


def systems_registrable_by(user: Any) -> QuerySet[AISystem]:
    """Systems the user may register under (``can_register_under``), in one query."""
    if not can_write_registry(user):
        return AISystem.objects.none()
    return get_objects_for_user(
        user, "registry.register_aisystem", klass=AISystem, accept_global_perms=False
    )


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
        _deny("Only auditors, compliance and executives read the whole audit trail.", None)
