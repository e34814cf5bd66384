"""Fundamental-rights impact assessments (EU AI Act Art. 27) of high-risk systems a deployer
uses: written by the system's owners or the reviewing functions, submitted, signed by
compliance and privacy with the separation of duties of approvals, required before production
use (``checks.fria_gate_reasons``), and made outdated by a substantial change of the system
(its risk tier, purpose or intended use) or of the DPIA it was linked to, after which the next
assessment starts from its text.

One function per action: keyword-only, the actor explicit, atomic, the row locked before its
state is checked, one audit event each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.documents import permissions
from governance.documents.choices import (
    OPEN_FRIA_STATUSES,
    FRIADecision,
    FRIAFunction,
    FRIAStatus,
)
from governance.documents.models import FRIASignoff, FundamentalRightsAssessment
from governance.policies.permissions import is_function_member
from registry.audit import services as audit
from registry.audit.changes import apply_changes
from registry.core.etags import check_if_match
from registry.core.exceptions import ConflictError
from registry.evidence import selectors as evidence_selectors
from registry.evidence.choices import EvidenceKind, EvidenceStatus, SubjectType
from registry.evidence.models import EvidenceItem
from registry.inventory.models import AISystem, Dataset, ModelVersion
from registry.people.permissions import team_ids_of

# The form's fields, in Art. 27(1)'s order.
FRIA_FIELDS = (
    "processes",
    "period_of_use",
    "affected_persons",
    "risks_of_harm",
    "oversight_measures",
    "mitigation_measures",
    "complaint_mechanism",
)
FRIA_LABELS = {
    "processes": "Processes in which the system is used",
    "period_of_use": "Period and frequency of use",
    "affected_persons": "Categories of persons and groups affected",
    "risks_of_harm": "Specific risks of harm",
    "oversight_measures": "Human oversight measures",
    "mitigation_measures": "Measures if the risks materialise",
    "complaint_mechanism": "Complaint and redress mechanism",
}
# What a change of the system makes an approved assessment outdated by.
SUBSTANTIAL_FIELDS = ("risk_tier", "purpose", "intended_use")


def personal_datasets(system: AISystem) -> list[Dataset]:
    """The datasets with personal data that the system's versions were built from."""
    return list(
        Dataset.objects.filter(
            contains_personal_data=True, version_links__model_version__model__system=system
        )
        .distinct()
        .order_by("namespace", "name")
    )


def _dpia_candidates(system: AISystem) -> Q:
    return Q(kind=EvidenceKind.DPIA, status=EvidenceStatus.CURRENT) & (
        Q(subject_type=SubjectType.SYSTEM, subject_id=system.pk)
        | Q(
            subject_type=SubjectType.MODEL_VERSION,
            subject_id__in=ModelVersion.objects.filter(model__system=system).values("pk"),
        )
        | Q(
            subject_type=SubjectType.DATASET,
            subject_id__in=Dataset.objects.filter(
                version_links__model_version__model__system=system
            ).values("pk"),
        )
    )


def dpia_choices(system: AISystem, user: Any) -> list[EvidenceItem]:
    """The DPIAs in force on the system, its versions or their datasets that ``user`` sees."""
    return list(
        evidence_selectors.evidence_visible_to(user)
        .filter(_dpia_candidates(system))
        .order_by("-pk")
    )


def _check_dpia(system: AISystem, actor: Any, dpia: EvidenceItem | None) -> EvidenceItem | None:
    if dpia is None:
        return None
    items = (
        evidence_selectors.evidence_list()
        if actor is None
        else evidence_selectors.evidence_visible_to(actor)
    )
    found = items.filter(_dpia_candidates(system), pk=dpia.pk).first()
    if found is None:
        raise ValidationError(
            {
                "dpia": f"Evidence #{dpia.pk} is not a DPIA in force on '{system}', its versions "
                "or their datasets."
            }
        )
    return found


def _locked(fria: FundamentalRightsAssessment) -> FundamentalRightsAssessment:
    return (
        FundamentalRightsAssessment.objects.select_for_update(of=("self",))
        .select_related("system")
        .get(pk=fria.pk)
    )


def _editable(fria: FundamentalRightsAssessment) -> None:
    if fria.status != FRIAStatus.DRAFT:
        raise ConflictError(
            f"FRIA #{fria.number} is {fria.get_status_display().lower()}: only a draft is edited"
            + (
                " (start the next assessment instead)."
                if fria.status != FRIAStatus.SUBMITTED
                else "."
            ),
            code="not_draft",
        )


def _add_editor(fria: FundamentalRightsAssessment, actor: Any) -> None:
    if actor is not None and actor.pk not in fria.editors:
        fria.editors = [*fria.editors, actor.pk]


@transaction.atomic
def fria_create(
    *,
    actor: Any,
    system: AISystem,
    data: dict[str, Any] | None = None,
    dpia: EvidenceItem | None = None,
    now: dt.datetime | None = None,
) -> FundamentalRightsAssessment:
    """Start a system's next assessment, as a draft: from the text of its latest one (which an
    outdated assessment is redone from), with ``data`` on top. One is written at a time."""
    now = now or timezone.now()
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if actor is not None:
        permissions.require_read_documents(actor, system)
        permissions.require_write_documents(actor, system)
    latest = FundamentalRightsAssessment.objects.filter(system=system).order_by("-number").first()
    if latest is not None and latest.status in OPEN_FRIA_STATUSES:
        raise ConflictError(
            f"FRIA #{latest.number} of '{system}' is still {latest.get_status_display().lower()}.",
            code="open_assessment",
        )
    fria = FundamentalRightsAssessment(
        system=system,
        number=(latest.number + 1) if latest else 1,
        created_by=actor,
        dpia=latest.dpia if latest and latest.dpia and latest.dpia.in_force else None,
        **({f: getattr(latest, f) for f in FRIA_FIELDS} if latest else {}),
    )
    apply_changes(fria, data or {}, FRIA_FIELDS)
    if dpia is not None:
        fria.dpia = _check_dpia(system, actor, dpia)
    _add_editor(fria, actor)
    fria.full_clean(exclude=["system", "created_by", "dpia"])
    fria.save()
    audit.record(
        actor=actor,
        action="governance.fria.created",
        obj=fria,
        object_repr=f"FRIA #{fria.number} of {system}",
        changes={
            "system": system.pk,
            "number": fria.number,
            "redoes": latest.pk if latest else None,
            "dpia": fria.dpia_id,
            **{f: getattr(fria, f) for f in FRIA_FIELDS},
        },
        now=now,
    )
    return fria


_UNSET = object()


@transaction.atomic
def fria_update(
    *,
    actor: Any,
    fria: FundamentalRightsAssessment,
    data: dict[str, Any],
    dpia: Any = _UNSET,
    if_match: str | None = None,
) -> FundamentalRightsAssessment:
    """Edit a draft (its text, and the DPIA it is linked to; ``dpia=None`` unlinks it)."""
    fria = _locked(fria)
    if actor is not None:
        permissions.require_read_documents(actor, fria.system)
        permissions.require_write_documents(actor, fria.system)
    check_if_match(fria, if_match)
    _editable(fria)
    changes = apply_changes(fria, data, FRIA_FIELDS)
    if dpia is not _UNSET:
        found = _check_dpia(fria.system, actor, dpia)
        if (found.pk if found else None) != fria.dpia_id:
            changes["dpia"] = [fria.dpia_id, found.pk if found else None]
            fria.dpia = found
    if not changes:
        return fria
    _add_editor(fria, actor)
    fria.full_clean(exclude=["system", "created_by", "dpia"])
    fria.save()
    audit.record(
        actor=actor,
        action="governance.fria.updated",
        obj=fria,
        object_repr=f"FRIA #{fria.number} of {fria.system}",
        changes=changes,
    )
    return fria


def submission_gaps(fria: FundamentalRightsAssessment) -> dict[str, str]:
    """What a draft lacks before it can be submitted, by field."""
    gaps = {
        f: f"{FRIA_LABELS[f]}: required (Art. 27(1))."
        for f in FRIA_FIELDS
        if not getattr(fria, f).strip()
    }
    if fria.dpia_id is None:
        personal = personal_datasets(fria.system)
        if personal:
            names = ", ".join(f"{d.namespace}/{d.name}" for d in personal[:3])
            gaps["dpia"] = (
                f"The system processes personal data ({names}): link the DPIA that this "
                "assessment complements (Art. 27(4))."
            )
    return gaps


@transaction.atomic
def fria_submit(
    *, actor: Any, fria: FundamentalRightsAssessment, now: dt.datetime | None = None
) -> FundamentalRightsAssessment:
    """Submit a complete draft for the sign-offs of compliance and privacy."""
    now = now or timezone.now()
    fria = _locked(fria)
    if actor is not None:
        permissions.require_read_documents(actor, fria.system)
        permissions.require_write_documents(actor, fria.system)
    _editable(fria)
    gaps = submission_gaps(fria)
    if gaps:
        raise ValidationError(gaps)
    fria.status = FRIAStatus.SUBMITTED
    fria.submitted_by = actor
    fria.submitted_at = now
    fria.status_reason = "Waiting for compliance and privacy."
    fria.save()
    audit.record(
        actor=actor,
        action="governance.fria.submitted",
        obj=fria,
        object_repr=f"FRIA #{fria.number} of {fria.system}",
        changes={
            "status": [FRIAStatus.DRAFT.value, FRIAStatus.SUBMITTED.value],
            "round": fria.round,
        },
        now=now,
    )
    return fria


def fria_signoff_refusal(
    user: Any,
    fria: FundamentalRightsAssessment,
    function: str,
    *,
    signoffs: list[FRIASignoff] | None = None,
) -> str | None:
    """Why ``user`` may not sign ``function`` on ``fria`` now, or None if they may: the rules of
    approvals' sign-offs — independent of the assessment and the system, a member of the
    function, one function per person, one decision per function and round."""
    if user is None or not user.is_authenticated or not user.is_active:
        return "Sign in to sign off."
    if fria.status != FRIAStatus.SUBMITTED:
        return f"The assessment is {fria.get_status_display().lower()}, not submitted."
    if function not in FRIAFunction.values:
        return f"The {function} function does not sign assessments (compliance and privacy do)."
    if user.pk in fria.editors or fria.created_by_id == user.pk:
        return "You wrote this assessment; someone independent must sign it."
    if fria.submitted_by_id == user.pk:
        return "You submitted this assessment; someone independent must sign it."
    system = fria.system
    if system.technical_owner_id == user.pk:
        return "You are the system's technical owner."
    if system.owning_team_id in team_ids_of(user):
        return "You are a member of the system's owning team."
    if not is_function_member(user, function):
        return f"You are not a member of the {function} function."
    if signoffs is None:
        signoffs = list(fria.signoffs.all())
    for signoff in signoffs:
        if signoff.round == fria.round and signoff.function == function:
            return f"{function.capitalize()} has already decided in this round."
        if signoff.reviewer_id == user.pk and signoff.function != function:
            return (
                f"You already signed for {signoff.function} on this assessment; one function each."
            )
        if signoff.reviewer_id == user.pk and signoff.round == fria.round:
            return "You already decided in this round."
    return None


@transaction.atomic
def fria_signoff(
    *,
    actor: Any,
    fria: FundamentalRightsAssessment,
    function: str,
    decision: str,
    comment: str = "",
    now: dt.datetime | None = None,
) -> FRIASignoff:
    """Compliance or privacy decides. Both approving approves the assessment (it then allows
    production use); a request for changes returns it to its writers as a draft, and the next
    submission is a new round."""
    now = now or timezone.now()
    fria = _locked(fria)
    if actor is not None:
        permissions.require_read_documents(actor, fria.system)
    if decision not in FRIADecision.values:
        raise ValidationError({"decision": f"Must be one of: {', '.join(FRIADecision.values)}."})
    signoffs = list(fria.signoffs.all())
    reason = fria_signoff_refusal(actor, fria, function, signoffs=signoffs)
    if reason is not None:
        already = any(s.round == fria.round and s.function == function for s in signoffs)
        if already and fria.status == FRIAStatus.SUBMITTED:
            raise ConflictError(reason, field="function", code="already_signed")
        raise PermissionDenied({"function": reason})
    if decision == FRIADecision.CHANGES_REQUESTED and not comment.strip():
        raise ValidationError({"comment": "Say what must change."})
    signoff = FRIASignoff(
        fria=fria,
        round=fria.round,
        function=function,
        reviewer=actor,
        decision=decision,
        comment=comment,
        created_at=now,
    )
    signoff.full_clean(exclude=["fria", "reviewer"], validate_constraints=False)
    signoff.save()
    outcome: dict[str, Any] = {}
    if decision == FRIADecision.CHANGES_REQUESTED:
        fria.status = FRIAStatus.DRAFT
        fria.round += 1
        fria.status_reason = f"{function.capitalize()} requested changes: {comment}".strip()
        outcome = {
            "status": [FRIAStatus.SUBMITTED.value, FRIAStatus.DRAFT.value],
            "round": fria.round,
        }
    else:
        approved = {
            s.function
            for s in signoffs
            if s.round == fria.round and s.decision == FRIADecision.APPROVE
        } | {function}
        if approved >= set(FRIAFunction.values):
            fria.status = FRIAStatus.APPROVED
            fria.approved_at = now
            fria.status_reason = "Signed by compliance and privacy."
            fria.assessed_risk_tier = fria.system.risk_tier
            fria.assessed_intended_use = fria.system.intended_use
            outcome = {"status": [FRIAStatus.SUBMITTED.value, FRIAStatus.APPROVED.value]}
    if outcome:
        fria.save()
    audit.record(
        actor=actor,
        action="governance.fria.signed",
        obj=fria,
        object_repr=f"FRIA #{fria.number} of {fria.system} — {function} {decision}",
        changes={
            "signoff": signoff.pk,
            "round": signoff.round,
            "function": function,
            "decision": decision,
            "comment": comment,
            **outcome,
        },
        now=now,
    )
    return signoff


def _outdate(frias: Any, *, actor: Any, reason: str, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    count = 0
    for fria in frias.select_for_update().filter(status=FRIAStatus.APPROVED).order_by("pk"):
        fria.status = FRIAStatus.OUTDATED
        fria.outdated_at = now
        fria.status_reason = reason
        fria.save()
        audit.record(
            actor=actor,
            action="governance.fria.outdated",
            obj=fria,
            object_repr=f"FRIA #{fria.number} of {fria.system_id}",
            changes={
                "status": [FRIAStatus.APPROVED.value, FRIAStatus.OUTDATED.value],
                "reason": reason,
            },
            now=now,
        )
        count += 1
    return count


def frias_outdate_for_system_change(
    *, actor: Any, system: AISystem, changes: dict[str, Any]
) -> int:
    """A substantial change of the system — its risk tier, purpose or intended use — makes its
    approved assessment outdated: it must be redone before further production use. Called by
    the registry (hooks) inside the update's transaction."""
    changed = [f for f in SUBSTANTIAL_FIELDS if f in changes]
    if not changed:
        return 0
    what = ", ".join(
        f"{f.replace('_', ' ')} from {changes[f][0]!r} to {changes[f][1]!r}"
        if f == "risk_tier"
        else f.replace("_", " ")
        for f in changed
    )
    return _outdate(
        FundamentalRightsAssessment.objects.filter(system=system),
        actor=actor,
        reason=f"The system changed substantially after it was signed ({what}); redo it.",
    )


def frias_outdate_for_evidence(
    *, actor: Any, item: EvidenceItem, change: str, replacement: EvidenceItem | None = None
) -> int:
    """The DPIA an approved assessment was linked to was replaced or withdrawn: the assessment
    is outdated (it complemented what the DPIA said). Called by the evidence store (hooks)."""
    if item.kind != EvidenceKind.DPIA:
        return 0
    what = f"replaced by version {replacement.version}" if replacement else "withdrawn"
    return _outdate(
        FundamentalRightsAssessment.objects.filter(dpia=item),
        actor=actor,
        reason=f"The DPIA it was linked to ('{item.title}') was {what}; redo it.",
    )
