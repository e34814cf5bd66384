"""Enumerations of approvals: a request's status and a sign-off's decision."""

from django.db import models


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    INVALIDATED = "invalidated", "Invalidated"


# A request in one of these states still counts: only one per version and environment.
OPEN_APPROVAL_STATUSES = (
    ApprovalStatus.PENDING,
    ApprovalStatus.CHANGES_REQUESTED,
    ApprovalStatus.APPROVED,
)


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
