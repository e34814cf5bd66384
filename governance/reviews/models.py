"""Risk reviews of AI systems, per function, and the risk register their findings feed."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from governance.policies.choices import ReviewFunction
from governance.reviews.choices import (
    ACTIVE_REVIEW_STATUSES,
    OPEN_FINDING_STATUSES,
    RATING_ORDER,
    FindingCategory,
    FindingStatus,
    ReviewRecommendation,
    ReviewStatus,
    RiskRating,
)
from registry.core.models import TimeStampedModel


class RiskReview(TimeStampedModel):
    """One function's periodic review of one system: who does it, by when, and what they found.

    At most one review per system and function is open (or in progress) at a time. Completing
    a review opens the next one, due after the policy's cadence for the system's risk tier and
    the function; ``previous`` links it to the review whose completion opened it."""

    system = models.ForeignKey(
        "registry.AISystem", on_delete=models.PROTECT, related_name="risk_reviews"
    )
    function = models.CharField(max_length=20, choices=ReviewFunction.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risk_reviews",
    )
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.OPEN, db_index=True
    )
    due_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rating = models.CharField(max_length=20, choices=RiskRating.choices, blank=True)
    summary = models.TextField(blank=True, help_text="What the review found, in words.")
    recommendation = models.CharField(
        max_length=30, choices=ReviewRecommendation.choices, blank=True
    )
    status_reason = models.TextField(blank=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_review",
        help_text="The review whose completion opened this one.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # Backstop for the services' locks: scheduling twice cannot open two reviews.
            models.UniqueConstraint(
                fields=["system", "function"],
                condition=models.Q(status__in=ACTIVE_REVIEW_STATUSES),
                name="review_one_active_per_system_function",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReviewStatus.COMPLETED)
                | (
                    models.Q(completed_at__isnull=False)
                    & ~models.Q(rating="")
                    & ~models.Q(recommendation="")
                ),
                name="review_completed_has_outcome",
            ),
        ]
        indexes = [
            # The chaser's query: active reviews past due.
            models.Index(fields=["status", "due_at"], name="review_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_function_display()} review #{self.pk} of system {self.system_id}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REVIEW_STATUSES


class RiskFinding(TimeStampedModel):
    """An entry in the risk register: a risk found in a system (by a review or otherwise), how
    bad it is before and after mitigation, who owns the mitigation and by when."""

    system = models.ForeignKey(
        "registry.AISystem", on_delete=models.PROTECT, related_name="risk_findings"
    )
    review = models.ForeignKey(
        RiskReview,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        help_text="The review that raised it, if any.",
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=FindingCategory.choices, db_index=True)
    inherent_rating = models.CharField(max_length=20, choices=RiskRating.choices)
    residual_rating = models.CharField(max_length=20, choices=RiskRating.choices)
    mitigation = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_risk_findings",
    )
    target_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=FindingStatus.choices, default=FindingStatus.OPEN, db_index=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        """Still to be worked: open or being mitigated (so a past target date is overdue)."""
        return self.status in OPEN_FINDING_STATUSES

    def clean(self) -> None:
        if (
            self.inherent_rating in RATING_ORDER
            and self.residual_rating in RATING_ORDER
            and RATING_ORDER[self.residual_rating] > RATING_ORDER[self.inherent_rating]
        ):
            raise ValidationError(
                {
                    "residual_rating": (
                        "The residual risk (after mitigation) cannot be higher than the "
                        "inherent risk."
                    )
                }
            )
        if self.review_id and self.review and self.review.system_id != self.system_id:
            raise ValidationError({"review": "The review is of another system."})
