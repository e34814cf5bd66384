"""Read queries behind the web UI's governance pages: my queue (sign-offs and risk reviews), each
function's status on a request, approvals, reviews and findings of a system, the reviews list,
and the approval lead time. Permission answers come from
``governance.permissions`` (never re-derived here); every query is bounded, not per row."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from registry import permissions as registry_permissions
from registry import selectors as registry_selectors
from registry.choices import REVIEW_FUNCTIONS
from registry.models import AISystem, Dataset, DatasetLineage, ModelVersion, ModelVersionDataset

from . import permissions, selectors
from .api.filtersets import ReviewFilter
from .choices import (
    ACTIVE_REVIEW_STATUSES,
    OPEN_FINDING_STATUSES,
    RATING_ORDER,
    ApprovalStatus,
)
from .models import ApprovalRequest, RiskFinding, RiskReview, Signoff


@dataclass
class QueueItem:
    """One thing waiting for the user: a sign-off for ``function`` on ``approval``."""

    kind: str
    approval: ApprovalRequest
    function: str
    due_at: dt.datetime
    overdue: bool


def signoff_queue(user: Any, *, now: dt.datetime | None = None) -> list[QueueItem]:
    """Pending requests the user may sign now, one item per function they may sign, overdue
    first (then by due date). ``signoff_refusal`` decides; its prefetched sign-offs keep this at
    a fixed number of queries however many requests wait."""
    now = now or timezone.now()
    roles = registry_permissions.roles_of(user)
    functions = [f.value for f in REVIEW_FUNCTIONS if f.value in roles or user.is_superuser]
    if not functions:
        return []
    items = []
    pending = selectors.approval_list().filter(status=ApprovalStatus.PENDING).order_by("due_at")
    for approval in pending:
        signoffs = list(approval.signoffs.all())
        for function in functions:
            if function not in approval.required_functions:
                continue
            if permissions.signoff_refusal(user, approval, function, signoffs=signoffs) is None:
                items.append(
                    QueueItem("signoff", approval, function, approval.due_at, approval.due_at < now)
                )
    items.sort(key=lambda item: (not item.overdue, item.due_at))
    return items


@dataclass
class FunctionStatus:
    """Where one required function stands on the current round of a request, and whether the
    viewing user may sign it (``refusal`` is None) or why not."""

    function: str
    signoff: Signoff | None
    refusal: str | None

    @property
    def label(self) -> str:
        return self.function.capitalize()


def function_statuses(approval: ApprovalRequest, user: Any) -> list[FunctionStatus]:
    """Each required function's decision in the current round, with the user's own answer from
    ``signoff_refusal``. Uses the prefetched sign-offs of ``approval_list()``."""
    signoffs = list(approval.signoffs.all())
    current = {s.function: s for s in signoffs if s.round == approval.round}
    return [
        FunctionStatus(
            function,
            current.get(function),
            permissions.signoff_refusal(user, approval, function, signoffs=signoffs),
        )
        for function in approval.required_functions
    ]


def approval_detail(pk: int) -> ApprovalRequest:
    """One request with everything its page shows joined: version, model, system, owners,
    the version's dataset links and the sign-offs. Raises ``DoesNotExist``."""
    return (
        selectors.approval_list()
        .select_related("model_version__registered_by", "model_version__model__system")
        .prefetch_related("model_version__dataset_links__dataset__owner_team")
        .get(pk=pk)
    )


def _with_statuses(approvals: QuerySet[ApprovalRequest], user: Any) -> list[tuple[Any, list]]:
    return [(a, function_statuses(a, user)) for a in approvals]


def system_approvals(system: AISystem, user: Any) -> list[tuple[ApprovalRequest, list]]:
    """The system's requests, newest first, each with its functions' statuses."""
    return _with_statuses(
        selectors.approval_list().filter(model_version__model__system=system), user
    )


@dataclass
class VersionLineage:
    """What a version was built from, as the pages show it: its datasets with their roles, the
    datasets further upstream (sorted by name), the edges between them with the job that made
    each, and whether the walk stopped at ``depth`` with more beyond."""

    links: list[ModelVersionDataset]
    upstream: list[Dataset]
    edges: list[tuple[Dataset, Dataset, DatasetLineage]]  # (source, target, the edge)
    truncated: bool


# How far upstream of a version the pages look: its datasets and two hops beyond them.
LINEAGE_DEPTH = 3


def version_lineage(version: ModelVersion, *, depth: int = LINEAGE_DEPTH) -> VersionLineage:
    """The version's datasets and what lies upstream of them, ``depth`` hops from the version."""
    return versions_lineage([version], depth=depth)[version.pk]


def versions_lineage(
    versions: Sequence[ModelVersion], *, depth: int = LINEAGE_DEPTH
) -> dict[int, VersionLineage]:
    """``version_lineage`` of each version, by id, in a fixed number of queries."""
    found = registry_selectors.versions_upstream(versions, depth=depth)
    return {pk: _as_lineage(links, graph) for pk, (links, graph) in found.items()}


def _as_lineage(
    links: list[ModelVersionDataset], graph: registry_selectors.LineageGraph
) -> VersionLineage:
    upstream = sorted(
        (graph.nodes[i] for i, d in graph.distance.items() if d > 1 and i in graph.nodes),
        key=lambda d: (d.namespace, d.name),
    )
    nodes = graph.nodes
    edges = [
        (nodes[e.source_id], nodes[e.target_id], e)
        for e in graph.edges
        if e.source_id in nodes and e.target_id in nodes
    ]
    return VersionLineage(links, upstream, edges, graph.truncated)


def version_approvals(version: ModelVersion, user: Any) -> list[tuple[ApprovalRequest, list]]:
    """The version's requests, newest first, each with its functions' statuses."""
    return _with_statuses(selectors.approval_list().filter(model_version=version), user)


def approval_lead_time(*, since: dt.datetime | None = None) -> dt.timedelta | None:
    """Median time from request to approval over every request that was approved (decided since
    ``since``, if given), or None when nothing has been. Only an approval sets ``expires_at``,
    so requests approved and since expired or deployed still count."""
    approved = ApprovalRequest.objects.filter(expires_at__isnull=False, decided_at__isnull=False)
    if since is not None:
        approved = approved.filter(decided_at__gte=since)
    spans = [
        decided - created for created, decided in approved.values_list("created_at", "decided_at")
    ]
    if not spans:
        return None
    return statistics.median(spans)


def my_open_requests(user: Any):
    """Requests the user made that are still open: pending, or waiting on their changes."""
    return (
        selectors.approval_list()
        .filter(
            requested_by=user,
            status__in=[ApprovalStatus.PENDING, ApprovalStatus.CHANGES_REQUESTED],
        )
        .order_by("due_at")
    )


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
    functions = [f.value for f in REVIEW_FUNCTIONS if permissions.is_function_member(user, f)]
    waiting = (
        selectors.review_list()
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
    visible = selectors.review_list().filter(permissions.review_visibility(user))
    filterset = ReviewFilter(data, queryset=visible, request=request)
    queryset = filterset.qs if filterset.is_valid() else visible.none()
    return _overdue_first(queryset, now), filterset


def review_detail(pk: int, user: Any) -> RiskReview:
    """One review the user may see, with its system's owners and the previous review joined.
    Raises ``DoesNotExist`` for a review that does not exist or that they may not see."""
    return (
        selectors.review_list()
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
    return (
        selectors.review_list().filter(permissions.review_visibility(user), previous=review).first()
    )


def system_reviews(
    system: AISystem, user: Any, *, limit: int, now: dt.datetime | None = None
) -> list[RiskReview]:
    """The system's latest ``limit`` reviews the user may see: active ones first (overdue
    first), then finished ones, newest first. One query."""
    now = now or timezone.now()
    latest = list(
        selectors.review_list()
        .filter(permissions.review_visibility(user), system=system)
        .order_by("-due_at", "-id")[:limit]
    )
    active = sorted((r for r in latest if r.is_active), key=lambda r: (r.due_at >= now, r.due_at))
    return active + [r for r in latest if not r.is_active]


def system_findings(system: AISystem, user: Any) -> list[RiskFinding]:
    """The system's risk register as the user may see it: open entries first, the worst residual
    risk first, then by target date. One query."""
    findings = list(
        selectors.finding_list().filter(permissions.finding_visibility(user), system=system)
    )
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
