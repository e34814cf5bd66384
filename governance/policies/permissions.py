"""The permission answers every governance capability builds on: function membership,
independence from a system's owners, team leads, and who reads the whole risk record."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from registry.core import roles
from registry.core.roles import READ_ONLY_ROLES, REVIEW_FUNCTIONS, Role
from registry.inventory import permissions as inventory_permissions
from registry.inventory.models import AISystem
from registry.people import permissions as people_permissions
from registry.people.models import Team


def is_function_member(user: Any, function: str) -> bool:
    return function in roles.roles_of(user)


def can_edit_policies(user: Any) -> bool:
    if user is None or not user.is_authenticated or roles.is_read_only(user):
        return False
    return user.is_superuser or Role.COMPLIANCE in roles.roles_of(user)


def require_edit_policies(user: Any) -> None:
    if not can_edit_policies(user):
        raise PermissionDenied("Only compliance edits policies.")


# --- Risk reviews and the risk register -------------------------------------------------------
#
# A system's risk record (its reviews and findings) is need-to-know: findings name weaknesses.
# Executives and auditors read all of it (and change nothing); so do the reviewing functions,
# who are the second line for every system. Anyone else sees the records of the systems they
# own (owning team, technical owner, accountable executive) and what is assigned to them; the
# rest is a 404. Reviews are done by independent people: a member of the review's function who
# is neither in the system's owning team nor its technical owner.

RISK_READER_ROLES = READ_ONLY_ROLES | frozenset(REVIEW_FUNCTIONS)


def is_active_user(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def reads_all_risk_records(user: Any) -> bool:
    if not is_active_user(user):
        return False
    return user.is_superuser or bool(roles.roles_of(user) & RISK_READER_ROLES)


def owner_filter(user: Any, prefix: str = "system__") -> Q:
    return inventory_permissions.owners_filter(user, prefix)


def is_independent_of(user: Any, system: AISystem) -> bool:
    """Neither a member of the system's owning team nor its technical owner."""
    return system.technical_owner_id != user.pk and (
        system.owning_team_id not in people_permissions.team_ids_of(user)
    )


def leads_function(user: Any, function: str) -> bool:
    return Team.objects.filter(function=function, lead=user).exists()
