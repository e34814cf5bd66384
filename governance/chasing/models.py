"""Notifications: every reminder and escalation the chaser issued, and whether it went out."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from governance.chasing.choices import (
    DeliveryStatus,
    NotificationChannel,
    NotificationKind,
    NotificationLevel,
)


class Notification(models.Model):
    """One reminder or escalation to one person, for one overdue item, in one period.

    ``key`` names exactly that (``kind:object:recipient:level:period``) and is unique, so that
    neither a second chase run nor a second worker can issue it twice. It is written with its
    audit event; the email goes out after commit. Sending claims the row first (a conditional
    update of ``claimed_until``/``claim_token``), so a redelivered or concurrent send task finds
    it claimed or sent and does nothing. Delivery bookkeeping (``status``, ``attempts``,
    ``sent_at``) is operational state, like a token's ``last_used_at``: it is not audited."""

    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    system = models.ForeignKey(
        "registry.AISystem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    channel = models.CharField(
        max_length=20, choices=NotificationChannel.choices, default=NotificationChannel.EMAIL
    )
    level = models.CharField(max_length=20, choices=NotificationLevel.choices)
    period = models.PositiveIntegerField(
        help_text="Whole reminder intervals past due when issued (0 = in the first interval)."
    )
    due_at = models.DateTimeField(help_text="When the chased item was due.")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    run_id = models.CharField(max_length=32, help_text="The chase run that issued it.")
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Declared here rather than with ``unique=True``/``db_index=True`` on the fields, which
        # on PostgreSQL would add a second (pattern-matching) index each: a chase run writes
        # thousands of rows and no query here matches keys by prefix.
        constraints = [models.UniqueConstraint(fields=["key"], name="notification_unique_key")]
        indexes = [
            models.Index(fields=["run_id"], name="notification_run_idx"),
            models.Index(fields=["status", "created_at"], name="notification_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} to {self.recipient_id}: {self.subject}"
