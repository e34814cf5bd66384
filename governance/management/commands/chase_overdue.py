"""``manage.py chase_overdue [--dry-run] [--now ISO]``: remind and escalate what is overdue.

Without ``--dry-run`` it does what the hourly task does (under the audit source ``command``):
issues the notifications that are due, with their audit events, and queues their emails for the
worker. With ``--dry-run`` it changes nothing and prints who would be chased, for what, and why
— for an administrator without a worker, or before changing a policy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from governance.chasing import services as chasing
from registry.audit.choices import AuditSource
from registry.audit.services import audit_context

User = get_user_model()


class Command(BaseCommand):
    help = (
        "Remind and escalate overdue risk reviews, sign-offs past their SLA and serious-incident "
        "reports past their deadline. --dry-run prints who would be chased and why, and changes "
        "nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the plan; write and send nothing."
        )
        parser.add_argument(
            "--now",
            help="Chase as of this time (ISO 8601, UTC if no offset), to see what a later run "
            "would do. Only with --dry-run.",
        )

    def handle(self, *args: Any, dry_run: bool, now: str | None, **options: Any) -> None:
        if now and not dry_run:
            raise CommandError("--now only goes with --dry-run: a real run chases as of now.")
        when = self._parse(now) if now else timezone.now()
        if dry_run:
            self._dry_run(when)
            return
        with audit_context(source=AuditSource.COMMAND):
            result = chasing.chase_overdue(now=when)
        self.stdout.write(
            f"Issued {len(result.issued)} notification(s) (emails queued for the worker); "
            f"{result.already_issued} already issued earlier; {result.requeued} failed "
            "send(s) queued again."
        )

    def _parse(self, text: str) -> dt.datetime:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise CommandError(f"--now: not an ISO 8601 time: {text!r}") from exc
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)

    def _dry_run(self, now: dt.datetime) -> None:
        chases = chasing.plan(now=now)
        done = chasing.issued_keys(chases, now=now)
        names = dict(
            User.objects.filter(pk__in={c.recipient_id for c in chases}).values_list(
                "pk", "username"
            )
        )
        self.stdout.write(f"Dry run as of {now:%Y-%m-%d %H:%M} UTC: nothing is written or sent.")
        if not chases:
            self.stdout.write("Nothing is overdue.")
            return
        fresh = 0
        for chase in chases:
            item = chase.item
            state = "already sent" if chase.key in done else "would send"
            fresh += chase.key not in done
            self.stdout.write(
                f"- {state}: {chase.level} to {names.get(chase.recipient_id, chase.recipient_id)}"
                f" — {item.label}: due {item.due_at:%Y-%m-%d %H:%M}, "
                f"{chase.hours_overdue:.0f} h overdue (period {chase.period}, every "
                f"{item.ladder.reminder_hours} h); {chase.why()}. {item.detail}"
            )
        self.stdout.write(
            f"{fresh} notification(s) would be sent; {len(chases) - fresh} were sent already."
        )
