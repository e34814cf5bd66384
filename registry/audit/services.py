"""Recording audit events: the one helper every service calls.

``record()`` appends one event to the hash chain inside the caller's transaction, so the event
commits or rolls back with the change it describes. Who acted and through what channel comes from
an :class:`AuditContext` — set per request by middleware, per task by the task wrapper, per command
by the command — so services only name the actor, the action and the change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

# The context is part of recording's API: callers set it here (registry/audit/context.py).
from registry.audit.context import (  # noqa: F401
    AuditContext,
    audit_context,
    current_context,
    set_token_prefix,
)
from registry.audit.models import PAYLOAD_FIELDS, AuditChainHead, AuditEvent

# --- Canonical encoding -----------------------------------------------------------------------


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def to_jsonable(value: Any) -> Any:
    """A stable JSON-ready form of a field value: decimals as strings, datetimes in UTC ISO 8601
    with microseconds, model instances by primary key."""
    if type(value) in _PLAIN_TYPES:  # most values: as they are, without the checks below
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(to_jsonable(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def canonical_bytes(payload: dict[str, Any]) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the same event always gives the same
    bytes, whatever order its keys were built in."""
    return _json(to_jsonable(payload)).encode("utf-8")


# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds on
# every call, built once.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _json(value: Any) -> str:
    """One JSON value as ``canonical_bytes()`` spells it (before UTF-8 encoding)."""
    return _ENCODER.encode(value)


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def event_payload(event: AuditEvent) -> dict[str, Any]:
    """The fields of an event that its hash covers, as they are stored in its columns."""
    payload = {name: getattr(event, name) for name in PAYLOAD_FIELDS}
    payload["created_at"] = to_jsonable(event.created_at)
    payload["changes"] = to_jsonable(event.changes)
    return payload


# --- Recording --------------------------------------------------------------------------------


def _context_values(actor: Any, action: str, created_at: dt.datetime, ctx: Any) -> dict[str, Any]:
    """The members of an event that say who acted, how, from where and when — the same for
    every event one action records."""
    return {
        "created_at": to_jsonable(created_at),
        "actor_id": actor.pk if getattr(actor, "pk", None) else None,
        "actor_name": actor_label(actor)[:200],
        "actor_token": ctx.token_prefix,
        "source": ctx.source,
        "action": action,
        "request_id": ctx.request_id,
        "ip_address": _normal_ip(ctx.ip_address),
        "user_agent": ctx.user_agent[:300],
    }


def _locked_head(cursor: Any, sql: Any) -> tuple[int, str]:
    """Lock the chain head (creating it on the first event ever) and read its sequence and
    hash: from here until the caller commits, no one else appends."""
    cursor.execute(sql.lock_head)
    head = cursor.fetchone()
    if head is None:
        _create_head()
        cursor.execute(sql.lock_head)
        head = cursor.fetchone()
    return head


def actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return f"{actor.get_username()} ({full})" if full else actor.get_username()


def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    object_repr: str | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to the ledger, in the caller's transaction.

    ``action`` is namespaced (``registry.system.updated``); ``changes`` maps field names to
    ``[old, new]`` (or to a value, for creation). Must run inside ``transaction.atomic``: the
    chain head is locked until the caller commits, which is what serialises appends.

    Three short SQL statements (lock and read the head, insert, move the head), written by hand
    rather than through the ORM: every change in Steward pays for them, and the ORM's query
    building cost more than the database's work.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change.")
    ctx = current_context()
    sql = _statements(connection)
    # Everything but the sequence and the previous hash is known before the head is locked:
    # encode it first, so that the lock (which every writer waits for) is held for less.
    created_at = now or timezone.now()
    values = {
        **_context_values(actor, action, created_at, ctx),
        "object_type": object_type_of(obj),
        "object_id": str(obj.pk),
        "object_repr": (object_repr if object_repr is not None else str(obj))[:300],
        "changes": to_jsonable(changes or {}),
    }
    # canonical_bytes() of the payload, in two pieces around the head's hash and sequence: the
    # keys in sorted order are …, "object_type", "prev_hash", "request_id", "sequence", ….
    members = [f'"{key}":{_json(values[key])}' for key in _PAYLOAD_KEYS[:10]]
    before_prev = "{" + ",".join(members) + ',"prev_hash":'
    middle = f',"request_id":{_json(values["request_id"])},"sequence":'
    after_sequence = (
        f',"source":{_json(values["source"])},"user_agent":{_json(values["user_agent"])}}}'
    )
    prep = sql.prep
    params = {
        **values,
        "created_at": prep["created_at"].get_db_prep_save(created_at, connection),
        "changes": prep["changes"].get_db_prep_save(values["changes"], connection),
        "ip_address": prep["ip_address"].get_db_prep_save(values["ip_address"], connection),
    }
    with connection.cursor() as cursor:
        head = _locked_head(cursor, sql)
        sequence, prev_hash = head[0] + 1, head[1]
        text = f"{before_prev}{_json(prev_hash)}{middle}{sequence:d}{after_sequence}"
        digest = chain_hash(prev_hash, text.encode("utf-8"))
        chained = {"sequence": sequence, "prev_hash": prev_hash, "hash": digest, "canonical": text}
        params.update(chained)
        row = [params[name] for name in sql.names]
        if sql.insert_and_move:
            # One round trip for both (PostgreSQL): insert the event and move the head.
            cursor.execute(sql.insert_and_move, [*row, sequence, digest])
            pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql.insert, row)
            pk = cursor.fetchone()[0] if sql.returning else cursor.lastrowid
            cursor.execute(sql.move_head, [sequence, digest])
    # The stored event, as a query would load it (without one).
    values.update(chained, created_at=created_at)
    event = AuditEvent.from_db(connection.alias, None, [pk, *[values[n] for n in sql.names]])
    if values["actor_id"] is not None:
        AuditEvent.actor.field.set_cached_value(event, actor)
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One event for ``record_many()``: what it is about, and what changed."""

    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]

    @classmethod
    def of(
        cls,
        obj: models.Model,
        changes: dict[str, Any] | None = None,
        object_repr: str | None = None,
    ) -> AuditEntry:
        label = object_repr if object_repr is not None else str(obj)
        return cls(object_type_of(obj), str(obj.pk), label[:300], changes or {})


# Rows per statement (PostgreSQL) or ``executemany`` call (SQLite) in record_many(): bounds the
# memory of one statement's parameters.
_MANY_BATCH = 5000


# The keys of ``event_payload()``, in the order ``canonical_bytes()`` writes them.
_PAYLOAD_KEYS = (
    "action",
    "actor_id",
    "actor_name",
    "actor_token",
    "changes",
    "created_at",
    "ip_address",
    "object_id",
    "object_repr",
    "object_type",
    "prev_hash",
    "request_id",
    "sequence",
    "source",
    "user_agent",
)


def record_many(
    *, actor: Any, action: str, entries: Iterable[AuditEntry], now: dt.datetime | None = None
) -> int:
    """Append one event per entry, in order, in the caller's transaction; return how many.

    For tasks that change many rows in one run (a chase issuing thousands of reminders): the
    head is locked and moved once, and the rows go in by the thousand — on PostgreSQL as one
    JSON document per statement, unpacked by ``jsonb_to_recordset`` (Django binds parameters on
    the client, so ``executemany`` there is one INSERT per row); on SQLite with
    ``executemany``. Each event is exactly what ``record()`` would write for its entry, one
    after the other, with the same actor, action, time and context."""
    entries = list(entries)
    if not entries:
        return 0
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record_many() must run inside the transaction of the change.")
    ctx = current_context()
    sql = _statements(connection)
    now = now or timezone.now()
    common = _context_values(actor, action, now, ctx)
    # canonical_bytes() of a payload is "{" + the members, each '"key":value', in key order,
    # joined by "," + "}"; the members shared by every event are encoded once.
    members = {key: f'"{key}":{_json(value)}' for key, value in common.items()}
    postgres = sql.insert_set is not None
    if not postgres:
        converters = {f.attname: f for f in sql.fields}
        fixed = {
            "created_at": converters["created_at"].get_db_prep_save(now, connection),
            "ip_address": converters["ip_address"].get_db_prep_save(
                common["ip_address"], connection
            ),
        }
        changes_field = converters["changes"]
        names = [f.attname for f in sql.fields]
    with connection.cursor() as cursor:
        head = _locked_head(cursor, sql)
        sequence, prev_hash = head
        batch: list[Any] = []
        for entry in entries:
            sequence += 1
            changes = to_jsonable(entry.changes)
            object_repr = entry.object_repr[:300]
            members["changes"] = '"changes":' + _json(changes)
            members["object_id"] = '"object_id":' + _json(entry.object_id)
            members["object_repr"] = '"object_repr":' + _json(object_repr)
            members["object_type"] = '"object_type":' + _json(entry.object_type)
            members["prev_hash"] = '"prev_hash":' + _json(prev_hash)
            members["sequence"] = f'"sequence":{sequence:d}'
            text = "{" + ",".join([members[key] for key in _PAYLOAD_KEYS]) + "}"
            digest = chain_hash(prev_hash, text.encode("utf-8"))
            if postgres:
                # The canonical JSON is itself the row (its keys are the column names), plus
                # the hash and the canonical text.
                batch.append(f'{text[:-1]},"hash":"{digest}","canonical":{_json(text)}}}')
            else:
                row = {
                    **common,
                    **fixed,
                    "sequence": sequence,
                    "object_type": entry.object_type,
                    "object_id": entry.object_id,
                    "object_repr": object_repr,
                    "changes": changes_field.get_db_prep_save(changes, connection),
                    "prev_hash": prev_hash,
                    "hash": digest,
                    "canonical": text,
                }
                batch.append([row[name] for name in names])
            prev_hash = digest
            if len(batch) == _MANY_BATCH:
                _insert_batch(cursor, sql, batch)
                batch = []
        if batch:
            _insert_batch(cursor, sql, batch)
        cursor.execute(sql.move_head, [sequence, prev_hash])
    return len(entries)


def _insert_batch(cursor: Any, sql: _SQL, batch: list[Any]) -> None:
    if sql.insert_set is not None:
        cursor.execute(sql.insert_set, ["[" + ",".join(batch) + "]"])
    else:
        cursor.executemany(sql.insert_many, batch)


@dataclass(frozen=True)
class _SQL:
    lock_head: str
    insert: str
    insert_many: str
    move_head: str
    insert_and_move: str  # both in one statement, where the database can (PostgreSQL)
    insert_set: str | None  # many rows from one JSON document (PostgreSQL)
    fields: tuple
    names: tuple[str, ...]  # the fields' attribute names
    prep: dict[str, Any]  # the fields whose values the backend converts, by attribute name
    returning: bool


_SQL_CACHE: dict[str, _SQL] = {}


def _statements(connection: Any) -> _SQL:
    """The statements of an append, built once per database vendor."""
    cached = _SQL_CACHE.get(connection.vendor)
    if cached is not None:
        return cached
    qn = connection.ops.quote_name
    head_table = qn(AuditChainHead._meta.db_table)
    fields = tuple(
        f for f in AuditEvent._meta.concrete_fields if not f.primary_key
    )  # sequence, created_at, actor_id, …, canonical
    returning = connection.features.can_return_columns_from_insert
    columns = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Names are the models' own, quoted; values are always parameters.
    insert_many = f"INSERT INTO {qn(AuditEvent._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    insert = insert_many + (f" RETURNING {qn('id')}" if returning else "")
    lock = f"SELECT {qn('sequence')}, {qn('hash')} FROM {head_table} WHERE {qn('id')} = 1"  # noqa: S608
    if connection.features.has_select_for_update:
        lock += " FOR UPDATE"
    seq, hash_, pk = qn("sequence"), qn("hash"), qn("id")
    move = f"UPDATE {head_table} SET {seq} = %s, {hash_} = %s WHERE {pk} = 1"  # noqa: S608
    both, insert_set = "", None
    if connection.vendor == "postgresql":
        table = qn(AuditEvent._meta.db_table)
        record_type = ", ".join(f"{qn(f.column)} {f.db_type(connection)}" for f in fields)
        insert_set = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
            f"FROM jsonb_to_recordset(%s::jsonb) AS r({record_type}) ORDER BY {qn('sequence')}"
        )
        both = (
            f"WITH inserted AS ({insert_many} RETURNING {pk}) "  # noqa: S608
            f"UPDATE {head_table} SET {seq} = %s, {hash_} = %s WHERE {pk} = 1 "
            f"RETURNING (SELECT {pk} FROM inserted)"
        )
    names = tuple(f.attname for f in fields)
    prep = {f.attname: f for f in fields if f.attname in {"created_at", "changes", "ip_address"}}
    sql = _SQL(lock, insert, insert_many, move, both, insert_set, fields, names, prep, returning)
    _SQL_CACHE[connection.vendor] = sql
    return sql


def _create_head() -> None:
    """First event ever (the migration creates the head row; a flushed test database has
    none). The primary key makes a concurrent creator fail rather than fork."""
    AuditChainHead.objects.get_or_create(pk=1)


def _normal_ip(value: str | None) -> str | None:
    """The address in its canonical spelling, as PostgreSQL will print it back; None if it is
    not an address at all."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


# --- Field diffs ------------------------------------------------------------------------------


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Current values of the named concrete fields (foreign keys by id)."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = to_jsonable(getattr(obj, field.attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}
