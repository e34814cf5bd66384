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

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from registry.core.roles import (
    Role,
    can_write_registry,
    deny,
    is_read_only,
    require_write_registry,
    roles_of,
)
from registry.inventory.models import AISystem, Dataset
from registry.people.models import Team
from registry.people.permissions import team_ids_of

SYSTEM_GRANTS = ("registry.change_aisystem", "registry.register_aisystem")
DATASET_GRANTS = ("registry.change_dataset",)


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


def can_record_costs(user: Any) -> bool:
    """Finance records what systems cost; so do FinOps pipelines, with the token of a user who
    holds the finance role; and superusers. Read-only roles never do, whatever else they hold."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Role.FINANCE in roles_of(user) and not is_read_only(user)


def require_create_system(user: Any, team: Team) -> None:
    require_write_registry(user)
    if not can_create_system(user, team):
        deny(f"You may only create systems for a team you belong to, not '{team}'.", "owning_team")


def require_change_system(user: Any, system: AISystem) -> None:
    require_write_registry(user)
    if not can_change_system(user, system):
        deny(f"Only the owning team and technical owner may change '{system}'.", None)


def require_register_under(user: Any, system: AISystem, *, field: str | None = None) -> None:
    require_write_registry(user)
    if not can_register_under(user, system):
        deny(
            f"Only the owning team and technical owner may register under system '{system}'.",
            field,
        )


def require_create_dataset(user: Any, owner_team: Team | None) -> None:
    require_write_registry(user)
    if not can_create_dataset(user, owner_team):
        deny(
            f"You may only create datasets owned by a team you belong to, not '{owner_team}'.",
            "owner_team",
        )


def require_change_dataset(user: Any, dataset: Dataset, *, field: str | None = None) -> None:
    require_write_registry(user)
    if not can_change_dataset(user, dataset):
        deny(f"Only the owning team of dataset '{dataset}' may change it.", field)


def require_record_costs(user: Any) -> None:
    if not can_record_costs(user):
        deny("Only finance (or a FinOps pipeline with a finance token) records spend.", None)


# --- Querysets filtered in the database -------------------------------------------------------


def owners_filter(user: Any, prefix: str = "") -> Q:
    """The systems ``user`` answers for — a member of the owning team, the technical owner or
    the accountable executive — as a filter on the system at ``prefix`` (``"system__"`` for an
    object that belongs to one)."""
    return (
        Q(**{f"{prefix}owning_team_id__in": team_ids_of(user)})
        | Q(**{f"{prefix}technical_owner": user})
        | Q(**{f"{prefix}accountable_executive": user})
    )


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
