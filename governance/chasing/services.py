"""Chasing what is overdue: risk reviews, deployment sign-offs past their SLA, and reports of
serious incidents past their deadline.

The ladder, per the policy of the system's risk tier (``reminder_interval_hours`` R and
``escalation_hours`` [E1, E2]):

* Once an item is past due, whoever owes it is reminded once per interval: the *period* is the
  number of whole intervals past due (0 in the first).
* From E1 hours past due the lead of the function's team is chased as well, once per period;
  from E2 hours, the system's accountable executive too.
* Someone on several rungs gets one notification per period, at their highest rung. When nobody
  owes the item (no assignee and nobody in the function who may take it), the leads are chased
  from the start.
* Completing the review, reporting the incident, or the request being decided takes the item
  off the list: the chasing stops.

Who owes what: a review, its assignee (unassigned: the members of its function independent of
the system), escalating to the leads of teams with the review's function; a sign-off, per
missing function of the current round, the members of that function who may sign it (none: the
function's leads), escalating to the leads of those functions; an incident report, the
incident's owner (else the system's technical owner), escalating to the lead of the system's
owning team — the owner's manager. The last rung is always the accountable executive.

Exactly once: a notification's key is ``kind:object:recipient:level:period``, unique in the
database. A run holds a lock that serialises chase runs, skips keys already issued, inserts the
rest (a conflicting insert is skipped, not an error) and writes one audit event per notification
it inserted, in the same transaction. Emails are queued only after that commits, and the send
task claims each row before sending it (``delivery``). A run reads a fixed number of queries,
whatever the number of reviews, and writes its notifications and their audit events with one
statement each (``bulk.insert_rows``, ``audit.record_many``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from governance.chasing import bulk, delivery
from governance.chasing.choices import (
    LEVEL_ORDER,
    DeliveryStatus,
    NotificationChannel,
    NotificationKind,
    NotificationLevel,
)
from governance.chasing.due import DueItem, due_items
from governance.chasing.models import Notification
from registry.audit import services as audit
from registry.core.locks import advisory_xact_lock

CHASE_LOCK = "governance.chase_overdue"
SEND_BATCH = 100


@dataclass(frozen=True)
class Chase:
    """One notification a run would issue: to whom, at which rung, in which period."""

    item: DueItem
    recipient_id: int
    level: str
    period: int
    hours_overdue: float

    @property
    def key(self) -> str:
        return (
            f"{self.item.kind}:{self.item.subject}:{self.recipient_id}:{self.level}:{self.period}"
        )

    def why(self) -> str:
        """Why this person, in words (for the email and the dry run)."""
        ladder, kind = self.item.ladder, self.item.kind
        if self.level == NotificationLevel.EXECUTIVE:
            return (
                f"you are the accountable executive of {self.item.system_name}, and it is past "
                f"the second escalation step ({ladder.escalation_hours[1]} h past due)"
            )
        if self.level == NotificationLevel.TEAM_LEAD:
            if self.recipient_id in self.item.owed_by:
                return "you lead the team that owes it"
            if not self.item.owed_by:
                return "you lead the team that owes it, and nobody in it can take it"
            step = ladder.escalation_hours[0]
            if kind == NotificationKind.INCIDENT_REPORT:
                return f"you lead the system's owning team, and it is past {step} h overdue"
            return f"you lead the function's team, and it is past {step} h overdue"
        return self.item.owed_reason


@dataclass
class ChaseResult:
    run_id: str
    issued: list[int] = field(default_factory=list)
    already_issued: int = 0
    requeued: int = 0


def chases_for(item: DueItem, *, now: dt.datetime) -> list[Chase]:
    """The notifications an item calls for now (see the module docstring for the ladder)."""
    hours = (now - item.due_at).total_seconds() / 3600
    if hours <= 0:
        return []
    period = int(hours // item.ladder.reminder_hours)
    first_step, second_step = item.ladder.escalation_hours
    rungs: dict[int, str] = {}

    def climb(users: Iterable[int], level: str) -> None:
        for user in users:
            if LEVEL_ORDER[level] > LEVEL_ORDER.get(rungs.get(user, ""), -1):
                rungs[user] = level

    if item.owed_by:
        climb(item.owed_by, NotificationLevel.REMINDER)
    else:
        climb(item.leads, NotificationLevel.TEAM_LEAD)
    if hours >= first_step:
        climb(item.leads, NotificationLevel.TEAM_LEAD)
    if hours >= second_step and item.executive is not None:
        climb([item.executive], NotificationLevel.EXECUTIVE)
    return [Chase(item, user, level, period, hours) for user, level in sorted(rungs.items())]


def plan(*, now: dt.datetime) -> list[Chase]:
    """Every notification that is due now, issued before or not."""
    return [chase for item in due_items(now=now) for chase in chases_for(item, now=now)]


def issued_keys(chases: list[Chase], *, now: dt.datetime) -> set[str]:
    """Which of these keys were issued already. A key names its period, and a period lasts one
    reminder interval, so a key of the current period can only have been issued within the
    longest interval before now: one query over that window, not one per key. (A key issued
    earlier — the due date moved back — is caught by the unique constraint instead.)"""
    if not chases:
        return set()
    longest = max(c.item.ladder.reminder_hours for c in chases)
    return set(
        Notification.objects.filter(
            created_at__gt=now - dt.timedelta(hours=longest), created_at__lte=now
        ).values_list("key", flat=True)
    )


# --- Issuing ----------------------------------------------------------------------------------


def _age(hours: float) -> str:
    if hours < 48:
        whole = max(int(hours), 1)
        return f"{whole} hour{'s' if whole != 1 else ''}"
    return f"{int(hours // 24)} days"


def render(chase: Chase) -> tuple[str, str]:
    """Subject and body of a notification."""
    item = chase.item
    age = _age(chase.hours_overdue)
    prefix = {
        NotificationLevel.REMINDER: "Reminder",
        NotificationLevel.TEAM_LEAD: "Escalation",
        NotificationLevel.EXECUTIVE: "Escalation to you",
    }[chase.level]
    subject = f"[Steward] {prefix}: {item.label} is {age} overdue"
    base = settings.STEWARD_BASE_URL.rstrip("/")
    body = "\n".join(
        [
            f"{item.label[0].upper()}{item.label[1:]} was due {item.due_at:%Y-%m-%d %H:%M} UTC "
            f"and is {age} overdue.",
            item.detail,
            "",
            f"You receive this because {chase.why()}.",
            f"Open it: {base}{item.path}",
            "",
            f"Reminders repeat every {item.ladder.reminder_hours} hours until it is done; "
            f"after {item.ladder.escalation_hours[0]} hours past due they go to the team lead "
            f"too, after {item.ladder.escalation_hours[1]} hours to the accountable executive.",
        ]
    )
    return subject[:300], body


def _notification(chase: Chase, *, now: dt.datetime, run_id: str) -> dict:
    """The row of a new notification (for ``bulk.insert_rows``)."""
    subject, body = render(chase)
    item = chase.item
    return {
        "key": chase.key,
        "kind": str(item.kind),
        "object_type": item.object_type,
        "object_id": str(item.object_id),
        "system_id": item.system_id,
        "recipient_id": chase.recipient_id,
        "channel": str(NotificationChannel.EMAIL),
        "level": str(chase.level),
        "period": chase.period,
        "due_at": item.due_at,
        "subject": subject,
        "body": body,
        "status": str(DeliveryStatus.PENDING),
        "attempts": 0,
        "last_error": "",
        "run_id": run_id,
        "claim_token": "",
        "claimed_until": None,
        "created_at": now,
        "sent_at": None,
    }


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def chase_overdue(*, now: dt.datetime, send_batch: int = SEND_BATCH) -> ChaseResult:
    """Issue every notification that is due and not yet issued, audit each, and queue their
    emails after commit; then re-queue sends that failed earlier. Safe to run twice or on two
    workers at once (see the module docstring)."""
    result = ChaseResult(run_id=uuid.uuid4().hex)
    with transaction.atomic():
        advisory_xact_lock(CHASE_LOCK)
        chases = plan(now=now)
        done = issued_keys(chases, now=now)
        fresh = [c for c in chases if c.key not in done]
        result.already_issued = len(chases) - len(fresh)
        rows = [_notification(c, now=now, run_id=result.run_id) for c in fresh]
        bulk.insert_rows(Notification, rows, on_conflict="key")
        # A conflicting insert was skipped: the rows this run really inserted carry its id.
        ids = dict(Notification.objects.filter(run_id=result.run_id).values_list("key", "id"))
        issued = [(ids[row["key"]], row) for row in rows if row["key"] in ids]
        result.already_issued += len(rows) - len(issued)
        audit.record_many(
            actor=None,
            action="governance.notification.issued",
            entries=[_audit_entry(pk, row) for pk, row in issued],
            now=now,
        )
        result.issued = [pk for pk, _ in issued]
        for chunk in _chunks(result.issued, send_batch):
            delivery.queue_send(chunk)
    result.requeued = delivery.notifications_requeue(now=now, send_batch=send_batch)
    return result


def _audit_entry(pk: int, row: dict) -> audit.AuditEntry:
    level = NotificationLevel(row["level"]).label
    return audit.AuditEntry(
        object_type="governance.notification",
        object_id=str(pk),
        object_repr=f"{level} to {row['recipient_id']}: {row['subject']}"[:300],
        changes={
            "key": row["key"],
            "kind": row["kind"],
            "object": f"{row['object_type']}:{row['object_id']}",
            "recipient": row["recipient_id"],
            "level": row["level"],
            "period": row["period"],
            "due_at": audit.to_jsonable(row["due_at"]),
            "channel": row["channel"],
            "run": row["run_id"],
        },
    )
