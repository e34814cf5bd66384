"""The append-only, hash-chained audit ledger.

Each event stores the exact canonical bytes it hashed (``canonical``) and
``hash = SHA-256(prev_hash || canonical)``. Appends are serialised through the single
``AuditChainHead`` row, locked for the length of the writing transaction; the unique constraints on
``sequence`` and ``prev_hash`` are the backstop that makes a fork impossible to commit.

Append-only is enforced twice: here (``save`` of an existing row, ``delete`` and the queryset's
bulk ``update``/``delete`` raise) and in the database (triggers installed by migration 0003).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from registry.audit.choices import AuditSource

GENESIS_HASH = "0" * 64
# The fields an event's hash covers, in the order of its canonical JSON
# (``services.event_payload``): every reader of the ledger — verification, export, the API, the
# benchmark — lists its columns from this one tuple.
PAYLOAD_FIELDS = (
    "sequence",
    "created_at",
    "actor_id",
    "actor_name",
    "actor_token",
    "source",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "request_id",
    "ip_address",
    "user_agent",
    "prev_hash",
)


class AuditLedgerError(Exception):
    """Raised when something tries to change or remove a recorded audit event."""


class AuditEventQuerySet(models.QuerySet):
    """Refuses bulk changes, so ``AuditEvent.objects.filter(...).update()/delete()`` cannot rewrite
    the ledger either. The one bulk update allowed is clearing ``actor``, which is what Django's
    ``SET_NULL`` does when the user who acted is deleted (the copied ``actor_name`` stays, and the
    verifier accepts a cleared ``actor_id``). The database triggers enforce the same rule."""

    def update(self, **kwargs):
        if set(kwargs) <= {"actor", "actor_id"} and all(v is None for v in kwargs.values()):
            return super().update(**kwargs)
        raise AuditLedgerError("Audit events are append-only: they cannot be changed.")

    def delete(self):
        raise AuditLedgerError("Audit events are append-only: they cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLedgerError("Audit events are append-only: they cannot be changed.")


class AuditEvent(models.Model):
    """One recorded change. Never updated, never deleted."""

    sequence = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=200)
    actor_token = models.CharField(max_length=12, blank=True, help_text="API token prefix used.")
    source = models.CharField(max_length=10, choices=AuditSource.choices)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    # Not unique on its own: prev_hash is, and two equal hashes would need equal predecessors
    # (or a SHA-256 collision). One random-key index fewer on every append.
    hash = models.CharField(max_length=64)
    canonical = models.TextField(help_text="The exact UTF-8 JSON that was hashed.")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLedgerError("Audit events are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLedgerError("Audit events are append-only: they cannot be deleted.")


class AuditChainHead(models.Model):
    """The single row that holds the chain's head. Locking it serialises appends so that
    concurrent writers never fork the chain or leave a gap."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="auditchainhead_one")]

    def __str__(self) -> str:
        return f"head #{self.sequence}"
