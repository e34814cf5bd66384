"""Shapes of policies in the API."""

from __future__ import annotations

from rest_framework import serializers

from governance.policies.models import (
    Policy,
    validate_cadence,
    validate_escalation,
    validate_functions,
)
from registry.api.fields import UserField


def _django_validator(fn):
    def run(value):
        from django.core.exceptions import ValidationError

        try:
            fn(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return run


class PolicySerializer(serializers.ModelSerializer):
    required_functions = serializers.JSONField(validators=[_django_validator(validate_functions)])
    review_cadence_days = serializers.JSONField(validators=[_django_validator(validate_cadence)])
    escalation_hours = serializers.JSONField(validators=[_django_validator(validate_escalation)])
    updated_by = UserField(read_only=True)

    class Meta:
        model = Policy
        fields = [
            "id",
            "risk_tier",
            "approvable",
            "required_functions",
            "signoff_sla_days",
            "approval_validity_days",
            "review_cadence_days",
            "reminder_interval_hours",
            "escalation_hours",
            "documentation_min_score",
            "documentation_no_missing",
            "fria_required",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = ["risk_tier", "updated_at"]
