"""State changes of risk reviews: open, reassign, start, complete, cancel — and the daily
scheduling that keeps every production system reviewed on its policy's cadence.

Each function is keyword-only with the actor explicit and ``now`` passed in, atomic, locks the
review before checking its state, and writes one audit event (scheduling writes one per review
it opens). ``actor=None`` is the system itself (tasks, commands, demo data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.policies.models import Policy
from governance.reviews import permissions
from governance.reviews.choices import ACTIVE_REVIEW_STATUSES, ReviewStatus
from governance.reviews.models import RiskReview
from registry.audit import services as audit
from registry.audit.changes import apply_changes, creation_changes
from registry.core.etags import check_if_match
from registry.core.exceptions import ConflictError
from registry.core.locks import advisory_xact_lock
from registry.core.models import backdate_created
from registry.inventory.choices import Lifecycle
from registry.inventory.models import AISystem
from registry.people.models import Team

User = get_user_model()

REVIEW_CREATED_FIELDS = ("system", "function", "assignee", "status", "due_at", "previous")
SCHEDULE_LOCK = "governance.reviews_schedule"


def _locked_review(review: RiskReview) -> RiskReview:
    return (
        RiskReview.objects.select_for_update(of=("self",))
        .select_related("system", "assignee")
        .get(pk=review.pk)
    )


def review_functions(policy: Policy) -> list[str]:
    """The functions that review systems of a policy's tier periodically: those that must sign
    off its deployments and have a cadence."""
    return [f for f in policy.required_functions if f in policy.review_cadence_days]


def default_assignee(function: str, system: AISystem, *, leads: list[Any] | None = None) -> Any:
    """Who gets a new review when nobody is named: the lead of the function's team, if they
    may review the system independently; otherwise nobody (the function is chased)."""
    if leads is None:
        leads = function_leads(function)
    for lead in leads:
        if permissions.assignee_refusal(lead, function, system) is None:
            return lead
    return None


def function_leads(function: str) -> list[Any]:
    return [
        team.lead
        for team in Team.objects.filter(function=function, lead__is_active=True)
        .select_related("lead")
        .order_by("name")
    ]


def _check_assignee(assignee: Any, function: str, system: AISystem) -> None:
    if assignee is None:
        return
    reason = permissions.assignee_refusal(assignee, function, system)
    if reason is not None:
        raise ValidationError({"assignee": reason})


def _check_active(review: RiskReview) -> None:
    if not review.is_active:
        raise ConflictError(
            f"The review is already {review.get_status_display().lower()}.", code="not_active"
        )


@transaction.atomic
def review_create(
    *,
    actor: Any,
    system: AISystem,
    function: str,
    assignee: Any = None,
    due_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> RiskReview:
    """Open a review of a system for one function. Without a due date it is due after the
    policy's SLA; without an assignee it goes to the function's team lead when they are
    independent of the system. One active review per system and function."""
    now = now or timezone.now()
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if actor is not None:
        permissions.require_manage_reviews(actor, function)
    if system.lifecycle == Lifecycle.RETIRED:
        raise ConflictError(f"System '{system}' is retired.", field="system", code="retired")
    if RiskReview.objects.filter(
        system=system, function=function, status__in=ACTIVE_REVIEW_STATUSES
    ).exists():
        raise ConflictError(
            f"'{system}' already has an open {function} review.",
            field="function",
            code="duplicate_review",
        )
    _check_assignee(assignee, function, system)
    if due_at is None:
        policy = Policy.objects.filter(risk_tier=system.risk_tier).first()
        due_at = now + dt.timedelta(days=policy.signoff_sla_days if policy else 5)
    review = RiskReview(
        system=system,
        function=function,
        assignee=assignee or default_assignee(function, system),
        due_at=due_at,
        created_by=actor,
    )
    review.full_clean()
    review.save()
    backdate_created(review, now)
    audit.record(
        actor=actor,
        action="governance.review.created",
        obj=review,
        changes=creation_changes(review, REVIEW_CREATED_FIELDS),
        now=now,
    )
    return review


@transaction.atomic
def review_update(
    *,
    actor: Any,
    review: RiskReview,
    data: dict[str, Any],
    if_match: str | None = None,
    now: dt.datetime | None = None,
) -> RiskReview:
    """Reassign or reschedule an active review (``assignee``, ``due_at``)."""
    now = now or timezone.now()
    review = _locked_review(review)
    if actor is not None:
        permissions.require_manage_reviews(actor, review.function)
    check_if_match(review, if_match)
    _check_active(review)
    if "assignee" in data:
        _check_assignee(data["assignee"], review.function, review.system)
    changes = apply_changes(review, data, ("assignee", "due_at"))
    if not changes:
        return review
    review.full_clean()
    review.save()
    audit.record(
        actor=actor, action="governance.review.updated", obj=review, changes=changes, now=now
    )
    return review


@transaction.atomic
def review_start(*, actor: Any, review: RiskReview, now: dt.datetime | None = None) -> RiskReview:
    """The assignee (or a member of the function, who then becomes the assignee) starts."""
    now = now or timezone.now()
    review = _locked_review(review)
    _check_active(review)
    permissions.require_work_on_review(actor, review)
    if review.status != ReviewStatus.OPEN:
        raise ConflictError("The review has already started.", code="already_started")
    changes: dict[str, Any] = {"status": [review.status, ReviewStatus.IN_PROGRESS.value]}
    if review.assignee_id is None:
        review.assignee = actor
        changes["assignee"] = [None, actor.pk]
    review.status = ReviewStatus.IN_PROGRESS
    review.started_at = now
    review.save()
    audit.record(
        actor=actor, action="governance.review.started", obj=review, changes=changes, now=now
    )
    return review


@transaction.atomic
def review_complete(
    *,
    actor: Any,
    review: RiskReview,
    rating: str,
    recommendation: str,
    summary: str,
    now: dt.datetime | None = None,
) -> RiskReview:
    """Record a review's outcome, and open the next review of the system for the function, due
    after the policy's cadence for the system's tier (none for a retired system, or a function
    without a cadence). The one audit event names the next review."""
    now = now or timezone.now()
    review = _locked_review(review)
    _check_active(review)
    permissions.require_work_on_review(actor, review)
    old_status = review.status
    if review.assignee_id is None:
        review.assignee = actor
    review.status = ReviewStatus.COMPLETED
    review.rating = rating
    review.recommendation = recommendation
    review.summary = summary
    review.completed_at = now
    review.completed_by = actor
    review.started_at = review.started_at or now
    review.full_clean()
    review.save()
    following = _open_next(review, now=now)
    audit.record(
        actor=actor,
        action="governance.review.completed",
        obj=review,
        changes={
            "status": [old_status, ReviewStatus.COMPLETED.value],
            "rating": rating,
            "recommendation": recommendation,
            "summary": summary,
            "next_review": following.pk if following else None,
            "next_due_at": following.due_at if following else None,
            "next_assignee": following.assignee_id if following else None,
        },
        now=now,
    )
    return review


def _open_next(review: RiskReview, *, now: dt.datetime) -> RiskReview | None:
    system = review.system
    if system.lifecycle == Lifecycle.RETIRED:
        return None
    policy = Policy.objects.filter(risk_tier=system.risk_tier).first()
    days = policy.review_cadence_days.get(review.function) if policy else None
    if not days:
        return None
    assignee = review.assignee
    if assignee is None or permissions.assignee_refusal(assignee, review.function, system):
        assignee = default_assignee(review.function, system)
    following = RiskReview(
        system=system,
        function=review.function,
        assignee=assignee,
        due_at=now + dt.timedelta(days=days),
        previous=review,
    )
    following.full_clean()
    following.save()
    backdate_created(following, now)
    return following


@transaction.atomic
def review_cancel(
    *, actor: Any, review: RiskReview, reason: str = "", now: dt.datetime | None = None
) -> RiskReview:
    """Cancel an active review (the system changed, or it was opened by mistake). Chasing
    stops; the daily scheduler opens a new one if the system is still due a review."""
    now = now or timezone.now()
    review = _locked_review(review)
    if actor is not None:
        permissions.require_manage_reviews(actor, review.function)
    _check_active(review)
    old = review.status
    review.status = ReviewStatus.CANCELLED
    review.status_reason = reason or "Cancelled."
    review.save()
    audit.record(
        actor=actor,
        action="governance.review.cancelled",
        obj=review,
        changes={"status": [old, ReviewStatus.CANCELLED.value], "reason": review.status_reason},
        now=now,
    )
    return review


# --- Scheduling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReview:
    """A review the scheduler would open: which system, which function, and why."""

    system_id: int
    function: str
    last_completed_at: dt.datetime | None
    cadence_days: int


def reviews_due(*, now: dt.datetime) -> list[DueReview]:
    """Every (production system, function) whose last completed review is older than the
    policy's cadence — or that was never reviewed — and that has no active review. A fixed
    number of queries, whatever the number of systems and reviews."""
    policies = {p.risk_tier: p for p in Policy.objects.all()}
    systems = list(
        AISystem.objects.filter(lifecycle=Lifecycle.PRODUCTION)
        .order_by("id")
        .values_list("id", "risk_tier")
    )
    active = set(
        RiskReview.objects.filter(
            status__in=ACTIVE_REVIEW_STATUSES, system__lifecycle=Lifecycle.PRODUCTION
        ).values_list("system_id", "function")
    )
    last: dict[tuple[int, str], dt.datetime] = {}
    for system_id, function, completed_at in (
        RiskReview.objects.filter(
            status=ReviewStatus.COMPLETED, system__lifecycle=Lifecycle.PRODUCTION
        )
        .values_list("system_id", "function", "completed_at")
        .order_by()
    ):
        key = (system_id, function)
        if key not in last or completed_at > last[key]:
            last[key] = completed_at
    due = []
    for system_id, tier in systems:
        policy = policies.get(tier)
        if policy is None:
            continue
        for function in review_functions(policy):
            if (system_id, function) in active:
                continue
            days = policy.review_cadence_days[function]
            completed = last.get((system_id, function))
            if completed is None or completed <= now - dt.timedelta(days=days):
                due.append(DueReview(system_id, function, completed, days))
    return due


@transaction.atomic
def reviews_schedule(*, now: dt.datetime) -> list[RiskReview]:
    """Open the reviews that ``reviews_due`` names, each due after its policy's SLA and assigned
    to the function's team lead where they are independent. Safe to run twice or on two workers
    at once: runs are serialised and each re-reads what is active, and the database allows one
    active review per system and function. One audit event per review opened."""
    advisory_xact_lock(SCHEDULE_LOCK)
    due = reviews_due(now=now)
    if not due:
        return []
    systems = AISystem.objects.in_bulk({d.system_id for d in due})
    policies = {p.risk_tier: p for p in Policy.objects.all()}
    leads = {f: function_leads(f) for f in {d.function for d in due}}
    reviews = []
    for item in due:
        system = systems[item.system_id]
        reviews.append(
            RiskReview(
                system=system,
                function=item.function,
                assignee=default_assignee(item.function, system, leads=leads[item.function]),
                due_at=now + dt.timedelta(days=policies[system.risk_tier].signoff_sla_days),
            )
        )
    # Both supported databases (PostgreSQL, SQLite >= 3.35) return the new ids.
    RiskReview.objects.bulk_create(reviews, batch_size=1000)
    entries = []
    for review, item in zip(reviews, due, strict=True):
        changes = creation_changes(review, REVIEW_CREATED_FIELDS)
        changes["reason"] = (
            f"last completed {item.last_completed_at:%Y-%m-%d}, cadence {item.cadence_days} days"
            if item.last_completed_at
            else "never reviewed"
        )
        entries.append(audit.AuditEntry.of(review, changes))
    audit.record_many(actor=None, action="governance.review.scheduled", entries=entries, now=now)
    return reviews
