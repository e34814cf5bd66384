"""Policies per risk tier, and the validators of their JSON fields."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from governance.policies.choices import ReviewFunction
from registry.core.models import TimeStampedModel
from registry.inventory.choices import RiskTier

FUNCTION_VALUES = frozenset(ReviewFunction.values)


def validate_functions(value) -> None:
    if not isinstance(value, list) or any(f not in FUNCTION_VALUES for f in value):
        raise ValidationError(
            f"Must be a list of functions from: {', '.join(sorted(FUNCTION_VALUES))}."
        )
    if len(set(value)) != len(value):
        raise ValidationError("A function is listed twice.")


def validate_cadence(value) -> None:
    if not isinstance(value, dict) or any(k not in FUNCTION_VALUES for k in value):
        raise ValidationError("Must map functions to a number of days.")
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in value.values()):
        raise ValidationError("Each cadence must be a whole number of days, at least 1.")


def validate_escalation(value) -> None:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in value)
        or value[0] >= value[1]
    ):
        raise ValidationError(
            "Two increasing whole numbers of hours past due: [to team lead, to executive]."
        )


class Policy(TimeStampedModel):
    """What a risk tier demands: which functions sign a production deployment, how fast, how
    long an approval lasts unused, and how often each function re-reviews a system. Compliance
    edits policies; every request snapshots the policy it was made under."""

    risk_tier = models.CharField(max_length=20, choices=RiskTier.choices, unique=True)
    approvable = models.BooleanField(
        default=True, help_text="False for tiers that may never be deployed (unacceptable)."
    )
    required_functions = models.JSONField(default=list, validators=[validate_functions])
    # Explicit upper bounds: sensible ones, and the same on every database (the API's schema
    # would otherwise carry each database's integer range).
    signoff_sla_days = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    approval_validity_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    review_cadence_days = models.JSONField(default=dict, validators=[validate_cadence])
    reminder_interval_hours = models.PositiveIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(24 * 365)]
    )
    escalation_hours = models.JSONField(default=list, validators=[validate_escalation])
    # What a production approval needs of the system's technical documentation (Annex IV):
    # a score (complete sections count 1, partial ½, as a percentage) and, optionally, no
    # section missing. Off (0, False) unless compliance sets it: see ``DOCUMENTATION_DEFAULTS``.
    documentation_min_score = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="Technical documentation score (0-100) needed to request production approval.",
    )
    documentation_no_missing = models.BooleanField(
        default=False,
        help_text="Every section of the technical documentation at least partial to request "
        "production approval.",
    )
    fria_required = models.BooleanField(
        default=False,
        help_text="Deployers need a signed fundamental-rights impact assessment (Art. 27) "
        "before production use.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"Policy for {self.get_risk_tier_display()} risk"
