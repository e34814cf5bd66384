"""State changes of the risk register: recording a finding and working it to closure.

Keyword-only, the actor explicit, ``now`` passed in, atomic, the row locked before its state is
checked, one audit event each.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from governance.reviews import permissions
from governance.reviews.choices import FindingStatus
from governance.reviews.models import RiskFinding, RiskReview
from registry.audit import services as audit
from registry.audit.changes import apply_changes, creation_changes
from registry.core.etags import check_if_match
from registry.inventory.models import AISystem

FINDING_FIELDS = (
    "system",
    "review",
    "title",
    "description",
    "category",
    "inherent_rating",
    "residual_rating",
    "mitigation",
    "owner",
    "target_date",
    "status",
)
FINDING_UPDATABLE = (
    "title",
    "description",
    "category",
    "inherent_rating",
    "residual_rating",
    "mitigation",
    "owner",
    "target_date",
    "status",
)
CLOSED_STATUSES = (FindingStatus.CLOSED,)


@transaction.atomic
def finding_create(
    *,
    actor: Any,
    system: AISystem,
    title: str,
    category: str,
    inherent_rating: str,
    residual_rating: str | None = None,
    review: RiskReview | None = None,
    description: str = "",
    mitigation: str = "",
    owner: Any = None,
    target_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> RiskFinding:
    """Record a risk in the register. Until a mitigation says otherwise the residual risk is
    the inherent one; a finding raised by a review must be about the review's system."""
    now = now or timezone.now()
    if actor is not None:
        permissions.require_record_finding(actor, system)
    finding = RiskFinding(
        system=system,
        review=review,
        title=title,
        description=description,
        category=category,
        inherent_rating=inherent_rating,
        residual_rating=residual_rating or inherent_rating,
        mitigation=mitigation,
        owner=owner,
        target_date=target_date,
        created_by=actor,
    )
    finding.full_clean()
    finding.save()
    audit.record(
        actor=actor,
        action="governance.finding.created",
        obj=finding,
        changes=creation_changes(finding, FINDING_FIELDS),
        now=now,
    )
    return finding


@transaction.atomic
def finding_update(
    *,
    actor: Any,
    finding: RiskFinding,
    data: dict[str, Any],
    if_match: str | None = None,
    now: dt.datetime | None = None,
) -> RiskFinding:
    """Change a finding: its ratings, mitigation, owner, target date or status. Closing it
    stamps ``closed_at``; reopening clears it. Accepting a risk takes a reviewing function."""
    now = now or timezone.now()
    finding = (
        RiskFinding.objects.select_for_update(of=("self",))
        .select_related("system")
        .get(pk=finding.pk)
    )
    if actor is not None:
        permissions.require_change_finding(actor, finding, new_status=data.get("status"))
    check_if_match(finding, if_match)
    changes = apply_changes(finding, data, FINDING_UPDATABLE)
    if not changes:
        return finding
    if "status" in changes:
        closed = finding.status in CLOSED_STATUSES
        new_closed_at = now if closed else None
        if (finding.closed_at is None) != (new_closed_at is None):
            changes["closed_at"] = [finding.closed_at, new_closed_at]
            finding.closed_at = new_closed_at
    finding.full_clean()
    finding.save()
    audit.record(
        actor=actor, action="governance.finding.updated", obj=finding, changes=changes, now=now
    )
    return finding
