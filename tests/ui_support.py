"""Shared set-up for the web UI's tests (client and browser): a pending approval to sign."""

from __future__ import annotations

from typing import Any

from governance.approvals import services as gov
from governance.approvals.models import ApprovalRequest


def pending_approval(
    requester: Any, version: Any, environment: str = "production"
) -> ApprovalRequest:
    """A production request for ``version``, made by ``requester`` through the service."""
    return gov.approval_request(
        actor=requester,
        model_version=version,
        environment=environment,
        justification="Quarterly retrain; AUC +2 points on the holdout.",
    )
