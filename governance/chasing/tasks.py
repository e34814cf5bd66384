"""Celery tasks of governance: thin wrappers that compute "now" once, set the audit context, and
call a service. Beat runs ``chase_overdue`` (hourly), ``schedule_reviews`` and
``expire_approvals`` (daily) — see ``CELERY_BEAT_SCHEDULE`` in settings. Every task is safe to
run twice or on two workers at once, is acknowledged only after it ran (``acks_late``), has time
limits, and retries database hiccups with exponential backoff.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from governance.approvals import services
from governance.chasing import services as chasing
from governance.chasing.delivery import send_notifications  # noqa: F401 (registers the task)
from governance.reviews import services as reviews
from registry.audit.choices import AuditSource
from registry.audit.services import audit_context

# A database error (lock timeout, lost connection, a race lost on a unique constraint) is worth
# another try; the services are idempotent, so a retry never does anything twice.
COMMON = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


def _context(task: Any):
    request_id = f"task-{task.request.id}" if task.request.id else ""
    return audit_context(source=AuditSource.TASK, request_id=request_id)


@shared_task(name="governance.chase_overdue", soft_time_limit=540, time_limit=600, **COMMON)
def chase_overdue(self) -> dict[str, int]:
    """Remind and escalate everything overdue; queue the emails after commit."""
    with _context(self):
        result = chasing.chase_overdue(now=timezone.now())
    return {
        "issued": len(result.issued),
        "already_issued": result.already_issued,
        "requeued": result.requeued,
    }


@shared_task(name="governance.schedule_reviews", soft_time_limit=540, time_limit=600, **COMMON)
def schedule_reviews(self) -> dict[str, int]:
    """Open the next review of every production system that is due one."""
    with _context(self):
        opened = reviews.reviews_schedule(now=timezone.now())
    return {"opened": len(opened)}


@shared_task(name="governance.expire_approvals", soft_time_limit=540, time_limit=600, **COMMON)
def expire_approvals(self) -> dict[str, int]:
    """Expire approvals not used within their validity."""
    with _context(self):
        expired = services.approvals_expire(now=timezone.now())
    return {"expired": expired}


@worker_ready.connect
def chase_at_worker_start(sender: Any = None, **kwargs: Any) -> None:
    """With ``STEWARD_CHASE_ON_WORKER_START`` (on by default outside production), a worker
    queues one chase as it starts, so ``make run`` shows reminders at once instead of after the
    first hourly beat. Harmless when several workers start: chasing is idempotent."""
    if settings.STEWARD_CHASE_ON_WORKER_START:
        chase_overdue.delay()
