"""Spend against budget: recording a system's monthly cost from one source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registry.audit import services as audit
from registry.inventory import permissions
from registry.inventory.models import AISystem, CostRecord


def month_start(value: dt.date) -> dt.date:
    """The first day of the month ``value`` falls in."""
    return value.replace(day=1)


@transaction.atomic
def cost_record(
    *,
    actor: Any,
    system: AISystem,
    period: dt.date,
    amount: Decimal,
    currency: str,
    source: str,
) -> tuple[CostRecord, bool]:
    """Record what ``system`` cost in the month of ``period`` according to ``source``.

    One record per (system, month, source): a second figure for the same month and source
    replaces the first, with the old and new amounts in its audit event; the same figure again
    changes nothing and records nothing. Spend is compared with the system's monthly budget, so
    it must be in the budget's currency. Returns ``(record, created)``."""
    if actor is not None:
        permissions.require_record_costs(actor)
    period = month_start(period)
    currency = currency.upper()
    if currency != system.budget_currency:
        raise ValidationError(
            {
                "currency": f"Record spend in the system's budget currency "
                f"({system.budget_currency}), so that it compares with the budget."
            }
        )
    existing = (
        CostRecord.objects.select_for_update()
        .filter(system=system, period=period, source=source)
        .first()
    )
    if existing is None:
        record = CostRecord(
            system=system,
            period=period,
            amount=amount,
            currency=currency,
            source=source,
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
        record.full_clean()
        try:
            # A savepoint, so a concurrent first post for the same month loses cleanly and
            # becomes a replacement below instead of an error.
            with transaction.atomic():
                record.save()
        except IntegrityError:
            existing = CostRecord.objects.select_for_update().get(
                system=system, period=period, source=source
            )
        else:
            audit.record(
                actor=actor,
                action="registry.cost.recorded",
                obj=record,
                changes={
                    "system": system.pk,
                    "period": period,
                    "amount": record.amount,
                    "currency": currency,
                    "source": source,
                },
            )
            return record, True
    changes: dict[str, list[Any]] = {}
    new_amount = Decimal(amount).quantize(Decimal("0.01"))
    if existing.amount != new_amount:
        changes["amount"] = [existing.amount, new_amount]
    if existing.currency != currency:
        changes["currency"] = [existing.currency, currency]
    if not changes:
        return existing, False
    existing.amount = new_amount
    existing.currency = currency
    existing.recorded_by = actor if getattr(actor, "pk", None) else None
    existing.full_clean()
    existing.save(update_fields=["amount", "currency", "recorded_by", "updated_at"])
    audit.record(actor=actor, action="registry.cost.replaced", obj=existing, changes=changes)
    return existing, False
