"""Read queries for governance, shared by the API, the UI and tasks."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import ApprovalRequest, Notification, Policy, RiskFinding, RiskReview, Signoff


def approval_list() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.select_related(
        "model_version__model__system__owning_team",
        "model_version__model__system__technical_owner",
        "requested_by",
    ).prefetch_related(
        Prefetch("signoffs", queryset=Signoff.objects.select_related("reviewer").order_by("id"))
    )


def policy_list() -> QuerySet[Policy]:
    return Policy.objects.select_related("updated_by").order_by("id")


def review_list() -> QuerySet[RiskReview]:
    return RiskReview.objects.select_related(
        "system", "assignee", "completed_by", "created_by"
    ).order_by("due_at", "id")


def finding_list() -> QuerySet[RiskFinding]:
    return RiskFinding.objects.select_related("system", "review", "owner", "created_by")


def notification_list() -> QuerySet[Notification]:
    return Notification.objects.select_related("recipient", "system")
