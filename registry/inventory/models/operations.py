"""What happens to systems in operation: deployments and incidents."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from registry.core.models import TimeStampedModel
from registry.inventory.choices import (
    DeploymentStatus,
    Environment,
    IncidentSeverity,
    IncidentStatus,
    SeriousIncidentCategory,
)


class Deployment(TimeStampedModel):
    """A model version running in an environment. Whether production needs an approval is the
    governance app's rule; the registry records what was deployed, when and by whom."""

    model_version = models.ForeignKey(
        "registry.ModelVersion", on_delete=models.PROTECT, related_name="deployments"
    )
    environment = models.CharField(max_length=20, choices=Environment.choices, db_index=True)
    status = models.CharField(
        max_length=20, choices=DeploymentStatus.choices, default=DeploymentStatus.ACTIVE
    )
    endpoint = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    deployed_at = models.DateTimeField()
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deployments",
    )

    class Meta:
        ordering = ["-deployed_at"]

    def __str__(self) -> str:
        return f"{self.model_version} → {self.environment}"


class Incident(TimeStampedModel):
    """Something that went wrong with a system (and perhaps one of its versions)."""

    system = models.ForeignKey(
        "registry.AISystem", on_delete=models.PROTECT, related_name="incidents"
    )
    model_version = models.ForeignKey(
        "registry.ModelVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=20, choices=IncidentSeverity.choices)
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_incidents",
    )
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    is_serious = models.BooleanField(
        default=False, help_text="A serious incident to report to a regulator (EU AI Act art. 73)."
    )
    serious_category = models.CharField(
        max_length=30,
        choices=SeriousIncidentCategory.choices,
        blank=True,
        help_text="What made it serious; sets the reporting deadline.",
    )
    aware_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the organisation became aware of the serious incident: the clock starts.",
    )
    report_due_at = models.DateTimeField(
        null=True, blank=True, help_text="Computed: awareness plus the category's deadline."
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("opened_at")),
                name="incident_resolved_after_opened",
            ),
            # Only a serious incident has a category and a reporting deadline.
            models.CheckConstraint(
                condition=models.Q(is_serious=True)
                | models.Q(serious_category="", report_due_at__isnull=True),
                name="incident_clock_only_when_serious",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # The check constraint backs this up; here the error names the field, so an API client
        # learns which value to fix.
        if self.resolved_at and self.opened_at and self.resolved_at < self.opened_at:
            raise ValidationError(
                {"resolved_at": "An incident cannot be resolved before it opened."}
            )
        if not self.is_serious and self.serious_category:
            raise ValidationError(
                {"serious_category": "Only a serious incident (is_serious) has a category."}
            )
        if not self.is_serious and self.reported_at:
            raise ValidationError(
                {"reported_at": "Only a serious incident is reported to the regulator."}
            )
