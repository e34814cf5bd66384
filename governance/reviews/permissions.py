"""Who may see, manage and work on risk reviews and findings, with the reason when not."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from governance.policies.permissions import (
    is_active_user,
    is_function_member,
    is_independent_of,
    leads_function,
    owner_filter,
    reads_all_risk_records,
)
from governance.reviews.choices import FindingStatus
from governance.reviews.models import RiskFinding, RiskReview
from registry.core import roles
from registry.core.roles import REVIEW_FUNCTIONS, Role
from registry.evidence.choices import SubjectType
from registry.evidence.subjects import Attachable
from registry.inventory import permissions as inventory_permissions
from registry.inventory.models import AISystem


def review_visibility(user: Any) -> Q:
    """The reviews ``user`` may see, as a filter for one query."""
    if not is_active_user(user):
        return Q(pk__in=[])
    if reads_all_risk_records(user):
        return Q()
    return owner_filter(user) | Q(assignee=user)


def finding_visibility(user: Any) -> Q:
    """The findings ``user`` may see, as a filter for one query."""
    if not is_active_user(user):
        return Q(pk__in=[])
    if reads_all_risk_records(user):
        return Q()
    return owner_filter(user) | Q(owner=user)


def can_manage_reviews(user: Any, function: str) -> bool:
    """Open, reassign, reschedule and cancel reviews of a function: compliance (which runs the
    review programme), the lead of the function's team, and administrators."""
    if not is_active_user(user) or roles.is_read_only(user):
        return False
    if user.is_superuser or Role.COMPLIANCE in roles.roles_of(user):
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
    if not is_active_user(user):
        return "Sign in to work on reviews."
    if roles.is_read_only(user):
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
    if not is_active_user(user) or roles.is_read_only(user):
        return False
    if user.is_superuser or roles.roles_of(user) & set(REVIEW_FUNCTIONS):
        return True
    return inventory_permissions.can_register_under(user, system)


def require_record_finding(user: Any, system: AISystem) -> None:
    if not can_record_finding(user, system):
        raise PermissionDenied(
            {"system": f"Only reviewers and the owners of '{system}' record its risks."}
        )


def can_change_finding(user: Any, finding: RiskFinding) -> bool:
    """Whoever may record a finding on the system, and the finding's owner."""
    if not is_active_user(user) or roles.is_read_only(user):
        return False
    return finding.owner_id == user.pk or can_record_finding(user, finding.system)


def can_accept_risk(user: Any) -> bool:
    """Accepting a residual risk is a second-line decision: a reviewer's, not the owners'."""
    if not is_active_user(user) or roles.is_read_only(user):
        return False
    return user.is_superuser or bool(roles.roles_of(user) & set(REVIEW_FUNCTIONS))


def require_change_finding(user: Any, finding: RiskFinding, *, new_status: str | None) -> None:
    if not can_change_finding(user, finding):
        raise PermissionDenied("Only reviewers, the system's owners and the finding's owner may.")
    if (
        new_status == FindingStatus.ACCEPTED
        and finding.status != FindingStatus.ACCEPTED
        and not can_accept_risk(user)
    ):
        raise PermissionDenied({"status": "Only a reviewing function may accept a risk."})


# Evidence on reviews and findings (registered by governance's AppConfig.ready) is as
# need-to-know as they are: seen by whoever sees the review or finding.
REVIEW_EVIDENCE_SUBJECT = Attachable(
    SubjectType.REVIEW,
    RiskReview,
    visible=review_visibility,
    owners=lambda user: owner_filter(user) | Q(assignee=user),
)
FINDING_EVIDENCE_SUBJECT = Attachable(
    SubjectType.FINDING,
    RiskFinding,
    visible=finding_visibility,
    owners=lambda user: owner_filter(user) | Q(owner=user),
)
