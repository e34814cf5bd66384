"""Celery tasks of the registry: thin wrappers that take ids (never model instances) and call
the code that does the work, inside an audit context that names the task run."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from registry.audit.choices import AuditSource
from registry.audit.services import audit_context
from registry.audit.verify import checkpoint_ledger


@shared_task(name="registry.audit_checkpoint", bind=True)
def audit_checkpoint(self) -> dict[str, Any]:
    """Verify the audit ledger and sign a checkpoint of its head (daily, from beat). Safe to run
    twice: with nothing appended in between, the second run writes nothing. A broken ledger is
    not signed: the task fails with the first bad sequence in its error."""
    request_id = f"task-{self.request.id}" if self.request.id else ""
    with audit_context(source=AuditSource.TASK, request_id=request_id):
        checkpoint, created = checkpoint_ledger()
    return {
        "sequence": checkpoint.sequence,
        "hash": checkpoint.hash,
        "file": checkpoint.name,
        "created": created,
    }
