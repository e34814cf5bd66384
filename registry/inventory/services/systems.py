"""AI systems: registering them, changing them, and keeping their object grants in step with
who owns them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify
from guardian.shortcuts import assign_perm, remove_perm

from registry.audit import services as audit
from registry.audit.changes import apply_changes, creation_changes
from registry.core.etags import check_if_match
from registry.core.exceptions import ConflictError
from registry.inventory import hooks, permissions
from registry.inventory.models import AISystem
from registry.people.models import Team

SYSTEM_FIELDS = (
    "name",
    "slug",
    "purpose",
    "intended_use",
    "business_unit",
    "risk_tier",
    "risk_rationale",
    "lifecycle",
    "owning_team",
    "technical_owner",
    "accountable_executive",
    "on_call_contact",
    "cost_centre",
    "monthly_budget",
    "budget_currency",
    "ai_act_role",
    "vendor",
    "human_oversight",
)


def _grant(system: AISystem, *, team: Team | None, owner: Any) -> None:
    for perm in permissions.SYSTEM_GRANTS:
        if team is not None:
            assign_perm(perm, team.group, system)
        if owner is not None:
            assign_perm(perm, owner, system)


def _revoke(system: AISystem, *, team: Team | None, owner: Any) -> None:
    for perm in permissions.SYSTEM_GRANTS:
        if team is not None:
            remove_perm(perm, team.group, system)
        if owner is not None:
            remove_perm(perm, owner, system)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:180] or "system"
    slug, n = base, 2
    while AISystem.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def system_create(*, actor: Any, owning_team: Team, **fields: Any) -> AISystem:
    """Register a system for a team the actor belongs to, and grant the team and the technical
    owner the right to change it and register under it."""
    if actor is not None:
        permissions.require_create_system(actor, owning_team)
    unknown = set(fields) - set(SYSTEM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown system fields: {sorted(unknown)}")
    if not fields.get("slug"):
        fields["slug"] = _unique_slug(fields.get("name", ""))
    system = AISystem(owning_team=owning_team, created_by=actor, **fields)
    system.full_clean()
    system.save()
    _grant(system, team=owning_team, owner=system.technical_owner)
    audit.record(
        actor=actor,
        action="registry.system.created",
        obj=system,
        changes=creation_changes(system, SYSTEM_FIELDS),
    )
    return system


@transaction.atomic
def system_update(
    *, actor: Any, system: AISystem, data: dict[str, Any], if_match: str | None = None
) -> AISystem:
    """Change a system's fields. Moving it to another team or owner moves the grants with it;
    only someone who could create a system for the new team may move it there."""
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if actor is not None:
        permissions.require_change_system(actor, system)
        new_team = data.get("owning_team")
        if new_team is not None and new_team.pk != system.owning_team_id:
            permissions.require_create_system(actor, new_team)
    check_if_match(system, if_match)
    if "slug" in data and data["slug"] != system.slug:
        raise ConflictError("A system's slug cannot change once registered.", field="slug")
    old_team, old_owner = system.owning_team, system.technical_owner
    changes = apply_changes(system, data, SYSTEM_FIELDS)
    if not changes:
        return system
    system.full_clean()
    system.save()
    if "owning_team" in changes or "technical_owner" in changes:
        _revoke(system, team=old_team, owner=old_owner)
        _grant(system, team=system.owning_team, owner=system.technical_owner)
    audit.record(actor=actor, action="registry.system.updated", obj=system, changes=changes)
    hooks.system_changed(actor=actor, system=system, changes=changes)
    return system
