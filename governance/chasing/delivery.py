"""Sending notifications by email, exactly once per notification as far as we can tell.

A send claims its rows first: one conditional ``UPDATE`` sets a fresh claim token and a lease
on the rows that are still pending and not claimed by anyone else (or whose lease ran out).
Only the rows that came back with this token are sent, and only rows still holding it are then
marked ``sent``. So a task redelivered after a worker died, a second worker given the same ids,
or the chaser re-queuing a row while a retry is waiting, all find it claimed or sent and do
nothing. The lease outlives the send task's hard time limit, so a claim cannot expire under a
worker that is still sending.

What no database can give: if a worker dies after the mail server accepted a message and before
the row is marked sent, the lease expires and the message is sent again. That window is one
``UPDATE`` wide.

A failed send leaves the row pending (claim released, ``last_error`` set): the task retries it
with exponential backoff, and the hourly chase re-queues whatever is still pending after that.
After ``MAX_ATTEMPTS`` it is marked ``failed``. A recipient without an email address fails at
once. Delivery bookkeeping is operational state and is not audited (the notification's issue is).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings
from django.core import mail
from django.db import DatabaseError
from django.db.models import F, Q
from django.utils import timezone

from governance.chasing.choices import DeliveryStatus
from governance.chasing.models import Notification

log = logging.getLogger(__name__)

# Longer than the send task's hard time limit (``send_notifications`` below).
CLAIM_LEASE = dt.timedelta(minutes=15)
MAX_ATTEMPTS = 8
# A pending row younger than this has its first send queued already; the sweep leaves it alone.
REQUEUE_AFTER = dt.timedelta(minutes=10)
REQUEUE_LIMIT = 5000


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: int = 0  # sent already, or claimed by another worker


def _claimable(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


def notifications_send(*, ids: Sequence[int], now: dt.datetime) -> SendResult:
    """Claim the pending notifications among ``ids`` and email them. A fixed number of queries
    per call, whatever the number of ids."""
    result = SendResult()
    token = uuid.uuid4().hex
    claimed = Notification.objects.filter(_claimable(now), pk__in=list(ids)).update(
        claim_token=token, claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1
    )
    result.skipped = len(set(ids)) - claimed
    if not claimed:
        return result
    rows = list(
        Notification.objects.filter(claim_token=token, status=DeliveryStatus.PENDING)
        .select_related("recipient")
        .order_by("id")
    )
    errors: dict[str, list[Notification]] = defaultdict(list)
    try:
        connection = mail.get_connection(fail_silently=False)
        connection.open()
    except Exception as exc:  # the mail server is down: every row waits for the retry
        log.warning("Email connection failed: %s", exc)
        for row in rows:
            errors[f"{type(exc).__name__}: {exc}"].append(row)
    else:
        try:
            for row in rows:
                address = row.recipient.email
                if not address:
                    errors["The recipient has no email address."].append(row)
                    continue
                message = mail.EmailMessage(
                    row.subject,
                    row.body,
                    settings.DEFAULT_FROM_EMAIL,
                    [address],
                    connection=connection,
                    headers={"X-Steward-Notification": row.key},
                )
                try:
                    message.send()
                except Exception as exc:
                    log.warning("Sending notification %s failed: %s", row.pk, exc)
                    errors[f"{type(exc).__name__}: {exc}"].append(row)
                else:
                    result.sent.append(row.pk)
        finally:
            connection.close()
    if result.sent:
        Notification.objects.filter(pk__in=result.sent, claim_token=token).update(
            status=DeliveryStatus.SENT, sent_at=now, claimed_until=None, last_error=""
        )
    for error, failed_rows in errors.items():
        permanent = error.startswith("The recipient has no email")
        give_up = [r.pk for r in failed_rows if permanent or r.attempts >= MAX_ATTEMPTS]
        retry = [r.pk for r in failed_rows if r.pk not in set(give_up)]
        if give_up:
            Notification.objects.filter(pk__in=give_up, claim_token=token).update(
                status=DeliveryStatus.FAILED, claimed_until=None, last_error=error[:2000]
            )
            result.failed += give_up
        if retry:
            Notification.objects.filter(pk__in=retry, claim_token=token).update(
                claimed_until=None, last_error=error[:2000]
            )
            result.retry += retry
    return result


# The send task lives beside what it sends with, so that queueing it needs no import of the
# tasks module (which imports the chaser, which queues sends).
def send_backoff(retries: int) -> int:
    """Seconds before retry ``retries + 1`` of a failed send: 30 s, 1, 2, 4, 8 min (capped at
    10), with jitter so that a mail server coming back is not hit by every worker at once."""
    return min(30 * 2**retries, 600) + random.randint(0, 15)  # noqa: S311 (jitter, not crypto)


@shared_task(
    name="governance.send_notifications",
    bind=True,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
    # Below CLAIM_LEASE: a claim never expires under a worker still sending.
    soft_time_limit=240,
    time_limit=300,
)
def send_notifications(self, ids: list[int]) -> dict[str, int]:
    """Email these notifications (ids). Rows already sent or claimed are skipped; failures stay
    pending and are retried with backoff, then by the hourly chase's re-queue."""
    result = notifications_send(ids=ids, now=timezone.now())
    if result.retry:
        try:
            raise self.retry(args=[result.retry], countdown=send_backoff(self.request.retries))
        except MaxRetriesExceededError:
            log.warning("Giving %d sends back to the hourly re-queue.", len(result.retry))
    return {"sent": len(result.sent), "retry": len(result.retry), "failed": len(result.failed)}


def queue_send(ids: list[int]) -> None:
    """Queue the email of these notifications once the current transaction commits (at once
    outside a transaction)."""
    send_notifications.delay_on_commit(ids)


def notifications_requeue(*, now: dt.datetime, send_batch: int) -> int:
    """Queue again the sends still pending — failed earlier, or lost with a broker — that
    nobody holds a claim on. Returns how many were queued."""
    ids = list(
        Notification.objects.filter(
            _claimable(now),
            created_at__lte=now - REQUEUE_AFTER,
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("id")
        .values_list("id", flat=True)[:REQUEUE_LIMIT]
    )
    for start in range(0, len(ids), send_batch):
        queue_send(ids[start : start + send_batch])
    return len(ids)
