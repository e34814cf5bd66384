"""Evidence items: one row per version of a file or link attached to what it proves.

A row's content (subject, title, kind, file or link, digest) never changes: a correction is a new
row, the next ``version`` of the same ``lineage``, which ``supersedes`` the previous one. Only an
item's standing changes (current → superseded or withdrawn). Documents built later (model cards,
technical documentation, exports) cite a row by its id and ``sha256``, which name exactly one
immutable content.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models

from registry.core.roles import REVIEW_FUNCTIONS
from registry.evidence.choices import EvidenceKind, EvidenceStatus, SubjectType
from registry.inventory.models.systems import sha256_validator

# Links are to web pages and documents: no javascript:, data:, file: or ftp: URLs.
LINK_VALIDATOR = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with http:// or https://."
)

# What may change on a stored version: its standing, never its content.
STANDING_FIELDS = frozenset({"status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"})


class EvidenceImmutableError(Exception):
    """Raised when something tries to change the content of a stored evidence version."""


class EvidenceItem(models.Model):
    """One version of a piece of evidence: a stored file (with its digest, size and the type
    sniffed from its content) or an external link, attached to one subject."""

    lineage = models.UUIDField(
        default=uuid.uuid4, db_index=True, help_text="The same for every version of one item."
    )
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        help_text="The version this one corrects.",
    )
    subject_type = models.CharField(max_length=20, choices=SubjectType.choices)
    subject_id = models.PositiveBigIntegerField()
    subject_repr = models.CharField(
        max_length=300, help_text="The subject's label when the evidence was attached."
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=30, choices=EvidenceKind.choices, db_index=True)
    author = models.CharField(max_length=200, blank=True, help_text="Who wrote the document.")
    document_date = models.DateField(null=True, blank=True, help_text="The document's own date.")
    description = models.TextField(blank=True)
    restricted = models.BooleanField(
        default=False,
        help_text="Only the subject's owners, compliance, auditors and the named functions.",
    )
    link_url = models.CharField(
        max_length=2000,
        blank=True,
        validators=[LINK_VALIDATOR],
        help_text="For a link: where it is (http or https).",
    )
    storage_key = models.CharField(
        max_length=300, blank=True, help_text="For a file: its generated name in storage."
    )
    file_name = models.CharField(max_length=255, blank=True, help_text="The cleaned display name.")
    content_type = models.CharField(max_length=100, blank=True, help_text="Sniffed from content.")
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, validators=[sha256_validator])
    status = models.CharField(
        max_length=20,
        choices=EvidenceStatus.choices,
        default=EvidenceStatus.CURRENT,
        db_index=True,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="uploaded_evidence",
    )
    created_at = models.DateTimeField(db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "evidence item"
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="evidence_subject_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="evidence_unique_version"),
            # Backstop for the services' row lock: two corrections racing cannot both stand.
            models.UniqueConstraint(
                fields=["lineage"],
                condition=~models.Q(status=EvidenceStatus.SUPERSEDED),
                name="evidence_one_in_force_per_item",
            ),
            models.UniqueConstraint(
                fields=["storage_key"],
                condition=~models.Q(storage_key=""),
                name="evidence_unique_storage_key",
            ),
            models.CheckConstraint(
                condition=(models.Q(link_url="") & ~models.Q(storage_key=""))
                | (~models.Q(link_url="") & models.Q(storage_key="")),
                name="evidence_file_or_link",
            ),
            models.CheckConstraint(
                condition=models.Q(storage_key="")
                | (~models.Q(sha256="") & models.Q(size__isnull=False)),
                name="evidence_file_has_digest",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=EvidenceStatus.WITHDRAWN)
                | models.Q(withdrawn_at__isnull=False),
                name="evidence_withdrawn_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= STANDING_FIELDS:
                raise EvidenceImmutableError(
                    "Evidence is immutable: attach a new version instead of changing this one."
                )
        super().save(*args, **kwargs)

    @property
    def is_link(self) -> bool:
        return bool(self.link_url)

    @property
    def in_force(self) -> bool:
        """The version a decision relies on now: current, not superseded nor withdrawn."""
        return self.status == EvidenceStatus.CURRENT

    @property
    def functions(self) -> list[str]:
        """The functions named on restricted evidence (from the prefetched grants)."""
        return sorted(grant.function for grant in self.grants.all())


class EvidenceGrant(models.Model):
    """A function that may read a restricted item, named on it when it was attached."""

    evidence = models.ForeignKey(EvidenceItem, on_delete=models.CASCADE, related_name="grants")
    function = models.CharField(
        max_length=20, choices=[(r.value, r.label) for r in REVIEW_FUNCTIONS]
    )

    class Meta:
        ordering = ["function"]
        constraints = [
            models.UniqueConstraint(fields=["evidence", "function"], name="evidencegrant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.evidence_id} → {self.function}"
