"""API tokens: created with a secret shown once, stored as a digest, expiring, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.utils import timezone

from .. import audit
from ..models import APIToken
from ..rawrows import Columns, sql_per_vendor

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
