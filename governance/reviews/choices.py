"""Enumerations of risk reviews and the risk register."""

from django.db import models


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
