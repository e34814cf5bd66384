"""Test support for the audit ledger: lifting its append-only triggers (for the flush that ends a
transactional test, and for tests that play an attacker with database superuser rights), and the
attacker's tools — raw edits, re-hashing, deletion, swapping, forging, restoring a backup."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as default_connection
from django.db.backends.base.operations import BaseDatabaseOperations

from registry.audit.models import AuditChainHead, AuditEvent
from registry.audit.services import canonical_bytes, chain_hash

_migration = importlib.import_module("registry.migrations.0003_audit_append_only")
TABLE = _migration.TABLE


@contextmanager
def triggers_lifted(connection: Any = None) -> Iterator[None]:
    """Run a block with the ledger's append-only triggers out of the way, as a database
    superuser could: PostgreSQL ``session_replication_role = replica`` (ordinary triggers do not
    fire); SQLite has no such switch, so the triggers are dropped and recreated."""
    connection = connection or default_connection
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        elif vendor == "sqlite":
            for sql in _migration.SQLITE_REMOVE:
                cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")
            elif vendor == "sqlite":
                for sql in _migration.SQLITE_INSTALL:
                    cursor.execute(sql)


def allow_test_flush() -> None:
    """Let the flush that ends every transactional test empty the ledger too. Installed by
    tests/conftest.py; production code never flushes the ledger (the triggers refuse)."""
    original = BaseDatabaseOperations.execute_sql_flush
    if getattr(original, "_lifts_audit_triggers", False):
        return

    def execute_sql_flush(self, sql_list):
        with triggers_lifted(self.connection):
            return original(self, sql_list)

    execute_sql_flush._lifts_audit_triggers = True
    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush


# --- The attacker's tools (use inside ``triggers_lifted()``) ------------------------------------


def events() -> Any:
    """The ledger's rows through Django's plain base manager, which (unlike ``objects``) does not
    refuse updates: an attacker's ORM."""
    return AuditEvent._base_manager.all()


def edit(at: int, **columns: Any) -> None:
    """Change columns of the stored event ``at``, leaving its canonical bytes and hash alone."""
    assert events().filter(sequence=at).update(**columns) == 1


def rehash(sequence: int, prev_hash: str | None = None, **fields: Any) -> str:
    """Rewrite one event consistently: columns, canonical bytes and hash (optionally chained to
    a new ``prev_hash``). Returns the new hash."""
    row = events().get(sequence=sequence)
    payload = json.loads(row.canonical)
    payload.update(fields)
    if prev_hash is not None:
        payload["prev_hash"] = prev_hash
    canonical = canonical_bytes(payload)
    new_hash = chain_hash(payload["prev_hash"], canonical)
    columns = {k: v for k, v in payload.items() if k not in ("created_at", "actor_id")}
    events().filter(pk=row.pk).update(**columns, canonical=canonical.decode("utf-8"), hash=new_hash)
    return new_hash


def rehash_after(sequence: int, prev_hash: str) -> str:
    """Re-chain every event after ``sequence`` onto ``prev_hash`` and move the head row along:
    the rewrite that only a checkpoint can reveal. Returns the new head hash."""
    for seq in (
        events()
        .filter(sequence__gt=sequence)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    ):
        prev_hash = rehash(seq, prev_hash=prev_hash)
    set_head()
    return prev_hash


def set_head() -> None:
    """Point the chain head row at the last stored event, as a careful attacker would."""
    last = events().order_by("-sequence").values_list("sequence", "hash").first() or (0, "0" * 64)
    AuditChainHead.objects.update_or_create(pk=1, defaults={"sequence": last[0], "hash": last[1]})


def delete(*sequences: int) -> None:
    events().filter(sequence__in=sequences).delete()


def swap(a: int, b: int) -> None:
    """Exchange the positions of two events (their sequence numbers)."""
    row_a, row_b = events().get(sequence=a).pk, events().get(sequence=b).pk
    events().filter(pk=row_a).update(sequence=-1)
    events().filter(pk=row_b).update(sequence=a)
    events().filter(pk=row_a).update(sequence=b)


def snapshot() -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """A backup of the ledger table and its head row."""
    rows = list(events().order_by("sequence").values())
    head = AuditChainHead.objects.values_list("sequence", "hash").get(pk=1)
    return rows, head


def restore(backup: tuple[list[dict[str, Any]], tuple[int, str]]) -> None:
    """Put a backup back in place of the current ledger (and head row)."""
    rows, head = backup
    events().delete()
    AuditEvent.objects.bulk_create([AuditEvent(**row) for row in rows])
    AuditChainHead.objects.filter(pk=1).update(sequence=head[0], hash=head[1])


def raw_update(sequence: int, column: str, value: Any) -> None:
    """Set one column to a raw database value (bypassing Django's field conversion)."""
    qn = default_connection.ops.quote_name
    cast = "::jsonb" if default_connection.vendor == "postgresql" and column == "changes" else ""
    with default_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(TABLE)} SET {qn(column)} = %s{cast} WHERE {qn('sequence')} = %s",
            [value, sequence],
        )
