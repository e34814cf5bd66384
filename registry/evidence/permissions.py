"""One place answers "may this user …?" for evidence.

The rule:

* **See and download** an item: whoever may see its subject (the inventory and approvals:
  everyone signed in; reviews and findings: as ``governance.reviews.permissions`` says).
* **Restricted** items, on top of that, only: superusers, **compliance** and **auditors**; the
  subject's **owners** (members of the owning team, the technical owner and the accountable
  executive of its system; a dataset's owning team and creator; and the requester of an
  approval, the assignee of a review, the owner of a finding or incident); the person who
  **uploaded** it; and members of the **functions named on it** (legal, security, privacy,
  finance), chosen when it is attached — by default those of its kind (``DEFAULT_FUNCTIONS``).
  Executives other than the system's accountable executive do not read restricted evidence.
* **Attach**, add a **new version** or **withdraw**: whoever sees the subject and is one of its
  owners or holds a reviewing function (legal, security, privacy, finance, compliance), or is a
  superuser. Executives and auditors read and never write, whatever else they hold.

Someone who may not see an item gets 404, whether it exists or not; someone who sees it but may
not change it gets 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from registry.core import roles
from registry.core.roles import REVIEW_FUNCTIONS, Role
from registry.evidence import subjects
from registry.evidence.choices import EvidenceKind
from registry.evidence.models import EvidenceGrant

# Who reads every restricted item.
RESTRICTED_READER_ROLES = frozenset({Role.COMPLIANCE, Role.AUDITOR})
# The functions a restricted item names when its uploader names none: those whose work it is.
DEFAULT_FUNCTIONS = {
    EvidenceKind.DPIA: (Role.PRIVACY, Role.LEGAL),
    EvidenceKind.FRIA: (Role.LEGAL, Role.PRIVACY),
    EvidenceKind.SECURITY_ASSESSMENT: (Role.SECURITY,),
    EvidenceKind.VENDOR_DOCUMENTATION: (Role.LEGAL,),
    EvidenceKind.POLICY: (Role.LEGAL,),
}
NAMEABLE_FUNCTIONS = tuple(r.value for r in REVIEW_FUNCTIONS if r != Role.COMPLIANCE)


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def reads_all_restricted(user: Any) -> bool:
    return _active(user) and (
        user.is_superuser or bool(roles.roles_of(user) & RESTRICTED_READER_ROLES)
    )


def evidence_visibility(user: Any) -> Q:
    """The items ``user`` may see, as one filter (subqueries, no loop over rows)."""
    if not _active(user):
        return Q(pk__in=[])
    everything = reads_all_restricted(user)
    named = [f for f in NAMEABLE_FUNCTIONS if f in roles.roles_of(user)]
    visible = Q(pk__in=[])
    for kind in subjects.registered():
        of_kind = Q(subject_type=kind.key)
        if kind.visible is not None:
            of_kind &= Q(subject_id__in=kind.objects(user).values("pk"))
        if not everything:
            owned = kind.model._default_manager.filter(kind.owners(user)).values("pk")
            readers = Q(restricted=False) | Q(uploaded_by=user) | Q(subject_id__in=owned)
            if named:
                granted = EvidenceGrant.objects.filter(function__in=named).values("evidence_id")
                readers |= Q(pk__in=granted)
            of_kind &= readers
        visible |= of_kind
    return visible


def can_attach(user: Any, kind: subjects.Attachable, subject: models.Model) -> bool:
    """May ``user`` attach evidence to ``subject`` (which they can see), or correct or withdraw
    evidence attached to it?"""
    if not _active(user) or roles.is_read_only(user):
        return False
    if user.is_superuser or roles.roles_of(user) & set(REVIEW_FUNCTIONS):
        return True
    return subjects.is_owner(kind, user, subject)


def require_attach(user: Any, kind: subjects.Attachable, subject: models.Model) -> None:
    if not can_attach(user, kind, subject):
        raise PermissionDenied(
            f"Only the owners of this {kind.label().lower()} and the reviewing functions attach "
            "or change its evidence."
        )


def default_functions(kind: str) -> list[str]:
    return sorted(str(f) for f in DEFAULT_FUNCTIONS.get(kind, ()))
