"""Deployment approvals, their sign-offs, and the link from a deployment to its approval."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from governance.approvals.choices import OPEN_APPROVAL_STATUSES, ApprovalStatus, Decision
from governance.policies.choices import ReviewFunction
from governance.policies.models import validate_functions
from registry.core.models import TimeStampedModel
from registry.inventory.choices import Environment, RiskTier


class ApprovalRequest(TimeStampedModel):
    """A request to deploy one model version to one environment.

    It is bound to what was reviewed: the version's artifact digest and its set of linked
    datasets at request time. If either changes, the request is invalidated. ``round`` counts
    submissions: after changes are requested the requester resubmits and sign-offs start over."""

    model_version = models.ForeignKey(
        "registry.ModelVersion", on_delete=models.PROTECT, related_name="approval_requests"
    )
    environment = models.CharField(max_length=20, choices=Environment.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests"
    )
    justification = models.TextField()
    status = models.CharField(
        max_length=20,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.PENDING,
        db_index=True,
    )
    status_reason = models.TextField(blank=True)
    round = models.PositiveIntegerField(default=1)
    risk_tier = models.CharField(max_length=20, choices=RiskTier.choices)
    required_functions = models.JSONField(validators=[validate_functions])
    due_at = models.DateTimeField(db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    first_deployed_at = models.DateTimeField(null=True, blank=True)
    bound_artifact_sha256 = models.CharField(max_length=64, blank=True)
    bound_datasets = models.JSONField(
        default=list, blank=True, help_text="[[dataset id, role], …] at request"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Racing two requests for the same thing cannot leave two live ones.
            models.UniqueConstraint(
                fields=["model_version", "environment"],
                condition=models.Q(status__in=OPEN_APPROVAL_STATUSES),
                name="approval_one_open_per_version_env",
            ),
        ]

    def __str__(self) -> str:
        return f"Approval #{self.pk} for {self.model_version_id} → {self.environment}"


class Signoff(models.Model):
    """One reviewer's decision for one function on one round of a request."""

    approval = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="signoffs")
    round = models.PositiveIntegerField()
    function = models.CharField(max_length=20, choices=ReviewFunction.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoffs"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    comment = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Backstops for the service's row lock: one decision per function per round, and one
            # person decides once per round.
            models.UniqueConstraint(
                fields=["approval", "round", "function"], name="signoff_one_per_function"
            ),
            models.UniqueConstraint(
                fields=["approval", "round", "reviewer"], name="signoff_one_per_reviewer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.function} {self.decision} by {self.reviewer_id}"


class SignoffEvidence(models.Model):
    """A piece of evidence a sign-off was given on: the version of the item in force on the
    version or the request when the reviewer decided, with the digest they saw. Replacing or
    withdrawing it afterwards invalidates the request (``approvals_invalidate_for_evidence``)."""

    signoff = models.ForeignKey(Signoff, on_delete=models.PROTECT, related_name="evidence_links")
    evidence = models.ForeignKey(
        "registry.EvidenceItem", on_delete=models.PROTECT, related_name="signoff_links"
    )
    sha256 = models.CharField(max_length=64, blank=True, help_text="As cited (blank for a link).")

    class Meta:
        ordering = ["evidence_id"]
        verbose_name_plural = "sign-off evidence"
        constraints = [
            models.UniqueConstraint(fields=["signoff", "evidence"], name="signoffevidence_unique"),
        ]

    def __str__(self) -> str:
        return f"sign-off {self.signoff_id} cites evidence {self.evidence_id}"


class DeploymentApproval(models.Model):
    """Which approval allowed a deployment (production deployments always have one)."""

    deployment = models.OneToOneField(
        "registry.Deployment", on_delete=models.PROTECT, related_name="approval_link"
    )
    approval = models.ForeignKey(
        ApprovalRequest, on_delete=models.PROTECT, related_name="deployment_links"
    )

    def __str__(self) -> str:
        return f"{self.deployment_id} ← approval {self.approval_id}"
