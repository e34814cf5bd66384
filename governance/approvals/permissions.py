"""One place answers "may this user … ?" for governance, with the reason when not.

``signoff_refusal`` is the separation-of-duties rule: the API shows its answer per function, the
sign-off service enforces it, and the UI will render the same reason. Nothing re-derives it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest, Signoff
from governance.policies.permissions import is_function_member
from registry.evidence.choices import SubjectType
from registry.evidence.subjects import Attachable
from registry.inventory import permissions as inventory_permissions
from registry.people import permissions as people_permissions


def signoff_refusal(
    user: Any,
    approval: ApprovalRequest,
    function: str,
    *,
    signoffs: list[Signoff] | None = None,
) -> str | None:
    """Why ``user`` may not sign ``function`` on ``approval`` now, or None if they may.

    ``signoffs`` are the request's sign-offs (all rounds), when the caller already has them, so
    that answering for every function costs no further queries."""
    if user is None or not user.is_authenticated or not user.is_active:
        return "Sign in to sign off."
    if approval.status != ApprovalStatus.PENDING:
        return f"The request is {approval.get_status_display().lower()}, not pending."
    if function not in approval.required_functions:
        return f"The {function} function is not required on this request."
    if approval.requested_by_id == user.pk:
        return "You requested this approval; someone independent must sign it."
    system = approval.model_version.model.system
    if system.technical_owner_id == user.pk:
        return "You are the system's technical owner."
    if system.owning_team_id in people_permissions.team_ids_of(user):
        return "You are a member of the system's owning team."
    if not is_function_member(user, function):
        return f"You are not a member of the {function} function."
    if signoffs is None:
        signoffs = list(approval.signoffs.all())
    for signoff in signoffs:
        if signoff.round == approval.round and signoff.function == function:
            return f"{function.capitalize()} has already decided in this round."
        if signoff.reviewer_id == user.pk and signoff.function != function:
            return f"You already signed for {signoff.function} on this request; one function each."
        if signoff.reviewer_id == user.pk and signoff.round == approval.round:
            return "You already decided in this round."
    return None


def can_request_approval(user: Any, system: Any) -> bool:
    """Those who may register under a system may ask to deploy it."""
    return inventory_permissions.can_register_under(user, system)


def require_request_approval(user: Any, system: Any) -> None:
    if not can_request_approval(user, system):
        raise PermissionDenied(
            {"model_version": f"Only the owners of '{system}' may request its approval."}
        )


def can_withdraw(user: Any, approval: ApprovalRequest) -> bool:
    return user.is_authenticated and (approval.requested_by_id == user.pk or user.is_superuser)


# Evidence on a request (registered by governance's AppConfig.ready): everyone signed in sees
# requests; the system's owners and the requester answer for it.
EVIDENCE_SUBJECT = Attachable(
    SubjectType.APPROVAL,
    ApprovalRequest,
    owners=lambda user: (
        inventory_permissions.owners_filter(user, "model_version__model__system__")
        | Q(requested_by=user)
    ),
)
