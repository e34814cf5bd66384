"""Teams and their membership."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import slugify

from .. import audit, permissions
from ..exceptions import ConflictError
from ..models import Team
from ._common import apply_changes, check_if_match, creation_changes

TEAM_FIELDS = ("name", "slug", "function", "description", "lead", "parent")


def _require_admin(actor: Any) -> None:
    if actor is not None and not actor.is_superuser:
        permissions._deny("Only an administrator may create teams.", None)


@transaction.atomic
def team_create(
    *,
    actor: Any,
    name: str,
    function: str,
    slug: str = "",
    description: str = "",
    lead: Any = None,
    parent: Team | None = None,
    members: list[Any] | None = None,
) -> Team:
    """Create a team with its own auth group; the lead is always a member.
    ``actor=None`` is the system itself (migrations, demo data)."""
    _require_admin(actor)
    slug = slug or slugify(name)
    group, _ = Group.objects.get_or_create(name=Team.group_name_for(slug))
    team = Team(
        name=name,
        slug=slug,
        function=function,
        description=description,
        lead=lead,
        parent=parent,
        group=group,
    )
    team.full_clean()
    team.save()
    member_list = list(members or [])
    if lead is not None and lead not in member_list:
        member_list.append(lead)
    for user in member_list:
        user.groups.add(group)
    changes = creation_changes(team, TEAM_FIELDS)
    changes["members"] = sorted(u.pk for u in member_list)
    audit.record(actor=actor, action="registry.team.created", obj=team, changes=changes)
    return team


def _check_parent(team: Team, parent: Team) -> None:
    """Escalation walks up the parents: a team may not end up above itself."""
    seen: set[int] = set()
    node: Team | None = parent
    while node is not None and node.pk not in seen:
        if node.pk == team.pk:
            raise ConflictError(
                f"'{parent}' is '{team}' or lies below it: the parents would form a cycle.",
                field="parent",
                code="cycle",
            )
        seen.add(node.pk)
        node = node.parent


@transaction.atomic
def team_update(
    *, actor: Any, team: Team, data: dict[str, Any], if_match: str | None = None
) -> Team:
    team = Team.objects.select_for_update().get(pk=team.pk)
    permissions.require_manage_team(actor, team)
    check_if_match(team, if_match)
    if "slug" in data and data["slug"] != team.slug:
        raise ConflictError("A team's slug cannot change; it names the team's group.", field="slug")
    if data.get("parent") is not None:
        _check_parent(team, data["parent"])
    changes = apply_changes(team, data, TEAM_FIELDS)
    if not changes:
        return team
    team.full_clean()
    team.save()
    if team.lead_id:
        team.lead.groups.add(team.group)
    audit.record(actor=actor, action="registry.team.updated", obj=team, changes=changes)
    return team


@transaction.atomic
def team_add_member(*, actor: Any, team: Team, user: Any) -> bool:
    """Add a member; returns False (and records nothing) when they already were one."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    permissions.require_manage_team(actor, team)
    if team.group.user_set.filter(pk=user.pk).exists():
        return False
    user.groups.add(team.group)
    audit.record(
        actor=actor,
        action="registry.team.member_added",
        obj=team,
        changes={"member": [None, user.get_username()]},
    )
    return True


@transaction.atomic
def team_remove_member(*, actor: Any, team: Team, user: Any) -> bool:
    team = Team.objects.select_for_update().get(pk=team.pk)
    permissions.require_manage_team(actor, team)
    if team.lead_id == user.pk:
        raise ConflictError(
            "The team's lead cannot be removed; name another lead first.", field="user"
        )
    if not team.group.user_set.filter(pk=user.pk).exists():
        return False
    user.groups.remove(team.group)
    audit.record(
        actor=actor,
        action="registry.team.member_removed",
        obj=team,
        changes={"member": [user.get_username(), None]},
    )
    return True
