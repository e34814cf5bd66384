"""One place answers "may this user … ?" for governance, with the reason when not.

``signoff_refusal`` is the separation-of-duties rule: the API shows its answer per function, the
sign-off service enforces it, and the UI will render the same reason. Nothing re-derives it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from registry import permissions as registry_permissions
from registry.choices import READ_ONLY_ROLES, REVIEW_FUNCTIONS, Role
from registry.models import AISystem, Team

from .choices import ApprovalStatus, FindingStatus
from .models import ApprovalRequest, RiskFinding, RiskReview, Signoff


def is_function_member(user: Any, function: str) -> bool:
    return function in registry_permissions.roles_of(user)


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
    if system.owning_team_id in registry_permissions.team_ids_of(user):
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
    return registry_permissions.can_register_under(user, system)


def require_request_approval(user: Any, system: Any) -> None:
    if not can_request_approval(user, system):
        raise PermissionDenied(
            {"model_version": f"Only the owners of '{system}' may request its approval."}
        )


def can_withdraw(user: Any, approval: ApprovalRequest) -> bool:
    return user.is_authenticated and (approval.requested_by_id == user.pk or user.is_superuser)


def can_edit_policies(user: Any) -> bool:
    if user is None or not user.is_authenticated or registry_permissions.is_read_only(user):
        return False
    return user.is_superuser or Role.COMPLIANCE in registry_permissions.roles_of(user)


def require_edit_policies(user: Any) -> None:
    if not can_edit_policies(user):
        raise PermissionDenied("Only compliance edits policies.")


# --- Risk reviews and the risk register -------------------------------------------------------
#
# A system's risk record (its reviews and findings) is need-to-know: findings name weaknesses.
# Executives and auditors read all of it (and change nothing); so do the reviewing functions,
# who are the second line for every system. Anyone else sees the records of the systems they
# own (owning team, technical owner, accountable executive) and what is assigned to them; the
# rest is a 404. Reviews are done by independent people: a member of the review's function who
# is neither in the system's owning team nor its technical owner.

RISK_READER_ROLES = READ_ONLY_ROLES | frozenset(REVIEW_FUNCTIONS)


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def reads_all_risk_records(user: Any) -> bool:
    if not _active(user):
        return False
    return user.is_superuser or bool(registry_permissions.roles_of(user) & RISK_READER_ROLES)


def _owner_filter(user: Any, prefix: str = "system__") -> Q:
    return (
        Q(**{f"{prefix}owning_team_id__in": registry_permissions.team_ids_of(user)})
        | Q(**{f"{prefix}technical_owner": user})
        | Q(**{f"{prefix}accountable_executive": user})
    )


def review_visibility(user: Any) -> Q:
    """The reviews ``user`` may see, as a filter for one query."""
    if not _active(user):
        return Q(pk__in=[])
    if reads_all_risk_records(user):
        return Q()
    return _owner_filter(user) | Q(assignee=user)


def finding_visibility(user: Any) -> Q:
    """The findings ``user`` may see, as a filter for one query."""
    if not _active(user):
        return Q(pk__in=[])
    if reads_all_risk_records(user):
        return Q()
    return _owner_filter(user) | Q(owner=user)


def is_independent_of(user: Any, system: AISystem) -> bool:
    """Neither a member of the system's owning team nor its technical owner."""
    return system.technical_owner_id != user.pk and (
        system.owning_team_id not in registry_permissions.team_ids_of(user)
    )


def leads_function(user: Any, function: str) -> bool:
    return Team.objects.filter(function=function, lead=user).exists()


def can_manage_reviews(user: Any, function: str) -> bool:
    """Open, reassign, reschedule and cancel reviews of a function: compliance (which runs the
    review programme), the lead of the function's team, and administrators."""
    if not _active(user) or registry_permissions.is_read_only(user):
        return False
    if user.is_superuser or Role.COMPLIANCE in registry_permissions.roles_of(user):
        return True
    return leads_function(user, function)


def require_manage_reviews(user: Any, function: str) -> None:
    if not can_manage_reviews(user, function):
        raise PermissionDenied(
            f"Only compliance and the lead of the {function} team manage {function} reviews."
        )


def assignee_refusal(user: Any, function: str, system: AISystem) -> str | None:
    """Why ``user`` may not be assigned a ``function`` review of ``system``, or None."""
    if not user.is_active:
        return f"{user.get_username()} is not an active user."
    if not is_function_member(user, function):
        return f"{user.get_username()} is not a member of the {function} function."
    if not is_independent_of(user, system):
        return f"{user.get_username()} owns '{system}' and cannot review it independently."
    return None


def review_work_refusal(user: Any, review: RiskReview) -> str | None:
    """Why ``user`` may not start or complete ``review`` now, or None if they may: the
    assignee, or (while it is unassigned or they share its function) a member of its function,
    in either case independent of the system."""
    if not _active(user):
        return "Sign in to work on reviews."
    if registry_permissions.is_read_only(user):
        return "Your roles read reviews; they do not do them."
    if not review.is_active:
        return f"The review is {review.get_status_display().lower()}."
    if not is_independent_of(user, review.system):
        return "You own this system; its reviews must be done by someone independent."
    if review.assignee_id == user.pk or is_function_member(user, review.function):
        return None
    return f"Only the assignee or a member of the {review.function} function may do this review."


def require_work_on_review(user: Any, review: RiskReview) -> None:
    reason = review_work_refusal(user, review)
    if reason is not None:
        raise PermissionDenied(reason)


def can_record_finding(user: Any, system: AISystem) -> bool:
    """Reviewers record findings on any system; a system's owners record their own risks."""
    if not _active(user) or registry_permissions.is_read_only(user):
        return False
    if user.is_superuser or registry_permissions.roles_of(user) & set(REVIEW_FUNCTIONS):
        return True
    return registry_permissions.can_register_under(user, system)


def require_record_finding(user: Any, system: AISystem) -> None:
    if not can_record_finding(user, system):
        raise PermissionDenied(
            {"system": f"Only reviewers and the owners of '{system}' record its risks."}
        )


def can_change_finding(user: Any, finding: RiskFinding) -> bool:
    """Whoever may record a finding on the system, and the finding's owner."""
    if not _active(user) or registry_permissions.is_read_only(user):
        return False
    return finding.owner_id == user.pk or can_record_finding(user, finding.system)


def can_accept_risk(user: Any) -> bool:
    """Accepting a residual risk is a second-line decision: a reviewer's, not the owners'."""
    if not _active(user) or registry_permissions.is_read_only(user):
        return False
    return user.is_superuser or bool(registry_permissions.roles_of(user) & set(REVIEW_FUNCTIONS))


def require_change_finding(user: Any, finding: RiskFinding, *, new_status: str | None) -> None:
    if not can_change_finding(user, finding):
        raise PermissionDenied("Only reviewers, the system's owners and the finding's owner may.")
    if (
        new_status == FindingStatus.ACCEPTED
        and finding.status != FindingStatus.ACCEPTED
        and not can_accept_risk(user)
    ):
        raise PermissionDenied({"status": "Only a reviewing function may accept a risk."})


# --- The accountability map -------------------------------------------------------------------
#
# The map is the oversight view: executives answer for systems, compliance runs the second line,
# auditors check the record. Engineers and the other reviewing functions work from system pages
# and their queue; the map also shows spend and every system's review state, which is oversight
# information rather than theirs to act on, so they get a 403 with the reason.

MAP_READER_ROLES = frozenset({Role.EXECUTIVE, Role.COMPLIANCE, Role.AUDITOR})


def can_view_accountability_map(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(registry_permissions.roles_of(user) & MAP_READER_ROLES)


def require_view_accountability_map(user: Any) -> None:
    if not can_view_accountability_map(user):
        raise PermissionDenied(
            "The accountability map is for executives, compliance and auditors. Your systems' "
            "owners, approvals, reviews and spend are on their system pages."
        )
