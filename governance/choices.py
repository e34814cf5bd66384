"""Enumerations of the governance process."""

from django.db import models


class ReviewFunction(models.TextChoices):
    """The functions that sign off deployments and review systems. Each is also a role group
    (registry.choices.Role) of the same name: a reviewer signs for the functions they belong to."""

    LEGAL = "legal", "Legal"
    SECURITY = "security", "Security"
    PRIVACY = "privacy", "Privacy"
    FINANCE = "finance", "Finance"
    COMPLIANCE = "compliance", "Compliance"


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


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


# A review in one of these states is still to be done: it is chased once due, and there is at
# most one per system and function.
ACTIVE_REVIEW_STATUSES = (ReviewStatus.OPEN, ReviewStatus.IN_PROGRESS)


class RiskRating(models.TextChoices):
    """How serious a risk is: a review's overall rating, a finding's inherent and residual risk."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


RATING_ORDER = {rating: rank for rank, rating in enumerate(RiskRating.values, start=1)}


class ReviewRecommendation(models.TextChoices):
    ACCEPT = "accept", "Accept: operate as is"
    ACCEPT_WITH_CONDITIONS = "accept_with_conditions", "Accept with conditions"
    REMEDIATE = "remediate", "Remediate before the next review"
    SUSPEND = "suspend", "Suspend the system"


class FindingCategory(models.TextChoices):
    BIAS = "bias", "Bias and fairness"
    PRIVACY = "privacy", "Privacy"
    SECURITY = "security", "Security"
    ROBUSTNESS = "robustness", "Robustness"
    TRANSPARENCY = "transparency", "Transparency"
    IP = "ip", "Intellectual property"
    COST = "cost", "Cost"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Being mitigated"
    ACCEPTED = "accepted", "Risk accepted"
    CLOSED = "closed", "Closed"


OPEN_FINDING_STATUSES = (FindingStatus.OPEN, FindingStatus.MITIGATING)


class NotificationKind(models.TextChoices):
    """What a reminder chases."""

    REVIEW = "review", "Risk review"
    SIGNOFF = "signoff", "Deployment sign-off"
    INCIDENT_REPORT = "incident_report", "Serious-incident report"


class NotificationLevel(models.TextChoices):
    """The rung of the chasing ladder: the person who owes the work, then the lead of the
    function's team, then the system's accountable executive."""

    REMINDER = "reminder", "Reminder"
    TEAM_LEAD = "team_lead", "Escalation to the team lead"
    EXECUTIVE = "executive", "Escalation to the accountable executive"


LEVEL_ORDER = {level: rank for rank, level in enumerate(NotificationLevel.values)}


class NotificationChannel(models.TextChoices):
    EMAIL = "email", "Email"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
