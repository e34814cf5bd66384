"""Who may manage a team, and the teams a user belongs to."""

from __future__ import annotations

from typing import Any

from registry.core.roles import deny, is_read_only
from registry.people.models import Team


def team_ids_of(user: Any) -> frozenset[int]:
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_steward_team_ids", None)
    if cached is None:
        cached = frozenset(Team.objects.filter(group__user=user).values_list("id", flat=True))
        user._steward_team_ids = cached
    return cached


def can_manage_team(user: Any, team: Team) -> bool:
    """Teams are organisation structure: superusers and the team's lead manage them."""
    if user is None or not user.is_authenticated or is_read_only(user):
        return False
    return user.is_superuser or (team.lead_id is not None and team.lead_id == user.pk)


def require_manage_team(user: Any, team: Team) -> None:
    if not can_manage_team(user, team):
        deny(f"Only an administrator or the lead of '{team}' may change it.", None)
