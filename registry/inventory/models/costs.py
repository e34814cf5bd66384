"""What AI systems cost: monthly spend per system and source, compared with the system's budget."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from registry.core.models import TimeStampedModel
from registry.inventory.choices import CostSource

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", "Enter an ISO 4217 currency code: three capital letters."
)


class CostRecord(TimeStampedModel):
    """A system's spend for one calendar month from one source (a cloud bill, a vendor invoice,
    a FinOps pipeline). One record per (system, period, source): a later figure for the same
    month and source replaces the earlier one, through
    ``registry.inventory.services.cost_record``."""

    system = models.ForeignKey(
        "registry.AISystem", on_delete=models.PROTECT, related_name="cost_records"
    )
    period = models.DateField(help_text="The first day of the month the spend belongs to.")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, validators=[currency_validator])
    source = models.CharField(max_length=30, choices=CostSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["system_id", "-period", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "period", "source"], name="costrecord_one_per_source_month"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="costrecord_amount_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["period", "system"], name="costrecord_period_system")]

    def __str__(self) -> str:
        return f"{self.system} {self.period:%Y-%m} {self.source}: {self.amount} {self.currency}"

    def clean(self) -> None:
        if isinstance(self.period, dt.date) and self.period.day != 1:
            raise ValidationError({"period": "A period is a month: use its first day."})
