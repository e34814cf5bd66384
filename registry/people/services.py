"""State changes of people: teams and their membership, and API tokens (issued, revoked,
authenticated)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.text import slugify

from registry.audit import services as audit
from registry.audit.changes import apply_changes, creation_changes
from registry.core import roles
from registry.core.etags import check_if_match
from registry.core.exceptions import ConflictError
from registry.core.rawrows import Columns, sql_per_vendor
from registry.people import permissions
from registry.people.models import APIToken, Team

TEAM_FIELDS = ("name", "slug", "function", "description", "lead", "parent")


def _require_admin(actor: Any) -> None:
    if actor is not None and not actor.is_superuser:
        roles.deny("Only an administrator may create teams.", None)


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


TOKEN_PREFIX = "stw_"
# Writing last_used_at on every request would make every read a write; once a minute is enough.
_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(
    *,
    actor: Any,
    user: Any,
    name: str,
    days: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[APIToken, str]:
    """Create a token for ``user`` and return it with its secret, which is not stored.
    People create tokens for themselves; administrators (or commands, ``actor=None``) for anyone."""
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied("You may only create tokens for yourself.")
    days = settings.STEWARD_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.STEWARD_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": f"Must be between 1 and {settings.STEWARD_TOKEN_MAX_DAYS} days."}
        )
    if not user.is_active:
        raise ValidationError({"user": "Inactive users cannot hold tokens."})
    now = now or timezone.now()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = APIToken(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 8],
        digest=token_digest(secret),
        expires_at=now + dt.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    audit.record(
        actor=actor,
        action="registry.token.created",
        obj=token,
        changes={
            "user": user.pk,
            "name": name,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
        },
    )
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Any, token: APIToken, now: dt.datetime | None = None) -> APIToken:
    token = APIToken.objects.select_for_update().get(pk=token.pk)
    if actor is not None and actor.pk != token.user_id and not actor.is_superuser:
        raise PermissionDenied("You may only revoke your own tokens.")
    if token.revoked_at is not None:
        return token
    token.revoked_at = now or timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="registry.token.revoked",
        obj=token,
        changes={"revoked_at": [None, token.revoked_at]},
    )
    return token


_TOKEN_COLUMNS = Columns(APIToken, "t")
_USER_COLUMNS = Columns(get_user_model(), "u")


@sql_per_vendor
def _token_sql(connection: Any) -> str:
    t, u = _TOKEN_COLUMNS, _USER_COLUMNS
    return (
        f"SELECT {t.select(connection)}, {u.select(connection)} "  # noqa: S608 (names only)
        f"FROM {t.table(connection)} INNER JOIN {u.table(connection)} "
        f"ON {u.column(connection, 'id')} = {t.column(connection, 'user')} "
        f"WHERE {t.column(connection, 'digest')} = %s"
    )


def _token_with_user(digest: str) -> APIToken | None:
    """The token with this digest and its user, in one query written by hand: it runs on every
    API request, and the ORM spent more CPU building it than the database answering it."""
    connection = connections[router.db_for_read(APIToken)]
    sql = _token_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    token = _TOKEN_COLUMNS.instance(connection, row, 0)
    token.user = _USER_COLUMNS.instance(connection, row, len(_TOKEN_COLUMNS))
    return token


def token_authenticate(secret: str, *, now: dt.datetime | None = None) -> APIToken | None:
    """The valid token with this secret, or None. Looks up by digest: the secret is never stored."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = _token_with_user(token_digest(secret))
    now = now or timezone.now()
    if token is None or not token.is_valid(now=now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
