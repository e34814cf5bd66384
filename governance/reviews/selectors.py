"""Read queries of reviews and findings, shared by the API, the UI and tasks: lists, the review
queue, search, and what a system or user may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from governance.policies import permissions as policies_permissions
from governance.reviews import permissions
from governance.reviews.api.filtersets import ReviewFilter
from governance.reviews.choices import ACTIVE_REVIEW_STATUSES, OPEN_FINDING_STATUSES, RATING_ORDER
from governance.reviews.models import RiskFinding, RiskReview
from registry.core.roles import REVIEW_FUNCTIONS
from registry.inventory.models import (
    AISystem,
)


def review_list() -> QuerySet[RiskReview]:
    return RiskReview.objects.select_related(
        "system", "assignee", "completed_by", "created_by"
    ).order_by("due_at", "id")


def finding_list() -> QuerySet[RiskFinding]:
    return RiskFinding.objects.select_related("system", "review", "owner", "created_by")


# --- Risk reviews -----------------------------------------------------------------------------


@dataclass
class ReviewQueueItem:
    """One risk review waiting for the user. ``refusal`` is None when they may do it now; a
    review assigned to them that they may no longer do (they joined the system's team) still
    shows, with the reason, since it is chased at them until someone reassigns it."""

    review: RiskReview
    due_at: dt.datetime
    overdue: bool
    refusal: str | None = None


def review_queue(user: Any, *, now: dt.datetime | None = None) -> list[ReviewQueueItem]:
    """Active reviews assigned to the user, and unassigned ones of a function they belong to
    that they may do (``review_work_refusal``), overdue first, then by due date. One query,
    however many reviews wait."""
    now = now or timezone.now()
    if not user.is_authenticated:
        return []
    functions = [
        f.value for f in REVIEW_FUNCTIONS if policies_permissions.is_function_member(user, f)
    ]
    waiting = (
        review_list()
        .select_related("system__owning_team")
        .filter(status__in=ACTIVE_REVIEW_STATUSES)
        .filter(Q(assignee=user) | Q(assignee__isnull=True, function__in=functions))
        .filter(permissions.review_visibility(user))
    )
    items = []
    for review in waiting:
        refusal = permissions.review_work_refusal(user, review)
        if refusal is None or review.assignee_id == user.pk:
            items.append(ReviewQueueItem(review, review.due_at, review.due_at < now, refusal))
    items.sort(key=lambda item: (not item.overdue, item.due_at, item.review.pk))
    return items


def _overdue_first(queryset: QuerySet[RiskReview], now: dt.datetime) -> QuerySet[RiskReview]:
    """Active and past due first, then the other active reviews, then finished ones."""
    return queryset.annotate(
        urgency=Case(
            When(status__in=ACTIVE_REVIEW_STATUSES, due_at__lt=now, then=Value(0)),
            When(status__in=ACTIVE_REVIEW_STATUSES, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("urgency", "due_at", "id")


# The list's ``status`` choice: active (the default), any, or one status.
STATUS_ACTIVE = "active"
STATUS_ANY = "all"


def review_search(
    user: Any, params: QueryDict, *, request: HttpRequest, now: dt.datetime | None = None
) -> tuple[QuerySet[RiskReview], ReviewFilter]:
    """The reviews the user may see, filtered as the API filters them (``ReviewFilter``: mine,
    overdue, function, status, system), overdue first. ``status`` also takes ``active`` (the
    default: open or in progress) and ``all``. An invalid filter matches nothing."""
    now = now or timezone.now()
    data = params.copy()
    data.pop("page", None)
    status = data.get("status") or STATUS_ACTIVE
    if status == STATUS_ACTIVE:
        data.setlist("status", list(ACTIVE_REVIEW_STATUSES))
    elif status == STATUS_ANY:
        data.pop("status", None)
    visible = review_list().filter(permissions.review_visibility(user))
    filterset = ReviewFilter(data, queryset=visible, request=request)
    queryset = filterset.qs if filterset.is_valid() else visible.none()
    return _overdue_first(queryset, now), filterset


def review_detail(pk: int, user: Any) -> RiskReview:
    """One review the user may see, with its system's owners and the previous review joined.
    Raises ``DoesNotExist`` for a review that does not exist or that they may not see."""
    return (
        review_list()
        .select_related(
            "system__owning_team",
            "system__technical_owner",
            "previous__completed_by",
            "previous__assignee",
        )
        .filter(permissions.review_visibility(user))
        .get(pk=pk)
    )


def next_review(review: RiskReview, user: Any) -> RiskReview | None:
    """The review that completing ``review`` opened, if there is one the user may see."""
    return review_list().filter(permissions.review_visibility(user), previous=review).first()


def system_reviews(
    system: AISystem, user: Any, *, limit: int, now: dt.datetime | None = None
) -> list[RiskReview]:
    """The system's latest ``limit`` reviews the user may see: active ones first (overdue
    first), then finished ones, newest first. One query."""
    now = now or timezone.now()
    latest = list(
        review_list()
        .filter(permissions.review_visibility(user), system=system)
        .order_by("-due_at", "-id")[:limit]
    )
    active = sorted((r for r in latest if r.is_active), key=lambda r: (r.due_at >= now, r.due_at))
    return active + [r for r in latest if not r.is_active]


def system_findings(system: AISystem, user: Any) -> list[RiskFinding]:
    """The system's risk register as the user may see it: open entries first, the worst residual
    risk first, then by target date. One query."""
    findings = list(finding_list().filter(permissions.finding_visibility(user), system=system))
    far = dt.date.max
    findings.sort(
        key=lambda f: (
            f.status not in OPEN_FINDING_STATUSES,
            -RATING_ORDER.get(f.residual_rating, 0),
            f.target_date or far,
            f.pk,
        )
    )
    return findings
