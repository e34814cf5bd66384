"""Read queries of approvals, shared by the API, the UI and tasks: lists, the sign-off queue,
what each function still has to decide, and lead times."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from governance.approvals import permissions as approvals_permissions
from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest, Signoff
from registry.core import roles as core_roles
from registry.core.roles import REVIEW_FUNCTIONS
from registry.inventory.models import (
    AISystem,
    ModelVersion,
)


def approval_list() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.select_related(
        "model_version__model__system__owning_team",
        "model_version__model__system__technical_owner",
        "requested_by",
    ).prefetch_related(
        Prefetch(
            "signoffs",
            queryset=Signoff.objects.select_related("reviewer")
            .prefetch_related("evidence_links")
            .order_by("id"),
        )
    )


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
    roles = core_roles.roles_of(user)
    functions = [f.value for f in REVIEW_FUNCTIONS if f.value in roles or user.is_superuser]
    if not functions:
        return []
    items = []
    pending = approval_list().filter(status=ApprovalStatus.PENDING).order_by("due_at")
    for approval in pending:
        signoffs = list(approval.signoffs.all())
        for function in functions:
            if function not in approval.required_functions:
                continue
            if (
                approvals_permissions.signoff_refusal(user, approval, function, signoffs=signoffs)
                is None
            ):
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
            approvals_permissions.signoff_refusal(user, approval, function, signoffs=signoffs),
        )
        for function in approval.required_functions
    ]


def approval_detail(pk: int) -> ApprovalRequest:
    """One request with everything its page shows joined: version, model, system, owners,
    the version's dataset links and the sign-offs. Raises ``DoesNotExist``."""
    return (
        approval_list()
        .select_related("model_version__registered_by", "model_version__model__system")
        .prefetch_related("model_version__dataset_links__dataset__owner_team")
        .get(pk=pk)
    )


def _with_statuses(approvals: QuerySet[ApprovalRequest], user: Any) -> list[tuple[Any, list]]:
    return [(a, function_statuses(a, user)) for a in approvals]


def system_approvals(system: AISystem, user: Any) -> list[tuple[ApprovalRequest, list]]:
    """The system's requests, newest first, each with its functions' statuses."""
    return _with_statuses(approval_list().filter(model_version__model__system=system), user)


def version_approvals(version: ModelVersion, user: Any) -> list[tuple[ApprovalRequest, list]]:
    """The version's requests, newest first, each with its functions' statuses."""
    return _with_statuses(approval_list().filter(model_version=version), user)


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
        approval_list()
        .filter(
            requested_by=user,
            status__in=[ApprovalStatus.PENDING, ApprovalStatus.CHANGES_REQUESTED],
        )
        .order_by("due_at")
    )
