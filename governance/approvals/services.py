"""State changes of the approval process. One function per action: keyword-only, the actor
explicit, atomic, the row locked before its state is checked, one audit event each.

The gate (``gate_decide``) is the single answer to "may this version go to this environment?";
the deployment service and the gate endpoint both ask it, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from governance.approvals import hooks, permissions
from governance.approvals.choices import OPEN_APPROVAL_STATUSES, ApprovalStatus, Decision
from governance.approvals.models import (
    ApprovalRequest,
    DeploymentApproval,
    Signoff,
    SignoffEvidence,
)
from governance.policies.models import Policy
from registry.audit import selectors as audit_selectors
from registry.audit import services as audit
from registry.core.exceptions import ConflictError
from registry.core.models import backdate_created
from registry.evidence import services as evidence_services
from registry.evidence.choices import SubjectType
from registry.evidence.models import EvidenceItem
from registry.inventory import permissions as registry_permissions
from registry.inventory import services as registry_services
from registry.inventory.choices import Environment, Lifecycle, VersionStatus
from registry.inventory.models import AIModel, AISystem, Deployment, ModelVersion


def _locked_approval(approval: ApprovalRequest) -> ApprovalRequest:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("model_version__model__system")
        .get(pk=approval.pk)
    )


# --- Requests ---------------------------------------------------------------------------------


@transaction.atomic
def approval_request(
    *,
    actor: Any,
    model_version: ModelVersion,
    environment: str,
    justification: str,
    now: dt.datetime | None = None,
) -> ApprovalRequest:
    """Ask for a version to be approved for an environment. The request snapshots the tier's
    policy (which functions must sign, by when) and binds itself to the version's artifact
    digest and linked datasets."""
    now = now or timezone.now()
    mv = ModelVersion.objects.select_for_update().get(pk=model_version.pk)
    # The model and its system in a statement of their own, after the lock: model_move locks a
    # model's versions before moving it, so a move that committed while this waited is seen
    # here (one statement would read the system of its own, older snapshot), and a move that
    # starts later waits for this request and then invalidates it.
    mv.model = AIModel.objects.select_related("system").get(pk=mv.model_id)
    system = mv.model.system
    if actor is not None:
        permissions.require_request_approval(actor, system)
    if mv.status == VersionStatus.DEPRECATED:
        raise ConflictError(
            "A deprecated version cannot be approved.", field="model_version", code="deprecated"
        )
    if system.lifecycle == Lifecycle.RETIRED:
        raise ConflictError(f"System '{system}' is retired.", field="model_version", code="retired")
    policy = Policy.objects.get(risk_tier=system.risk_tier)
    if not policy.approvable:
        raise ConflictError(
            f"Systems of {system.get_risk_tier_display().lower()} risk may never be deployed.",
            field="model_version",
            code="not_approvable",
        )
    if environment == Environment.PRODUCTION:
        missing = hooks.production_request_checks.collect(
            system=system, model_version=mv, policy=policy, now=now
        )
        if missing:
            raise ConflictError(
                "Production approval cannot be requested yet: " + " ".join(missing),
                field="model_version",
                code="prerequisites_missing",
            )
    if ApprovalRequest.objects.filter(
        model_version=mv, environment=environment, status__in=OPEN_APPROVAL_STATUSES
    ).exists():
        raise ConflictError(
            f"Version {mv.version} already has an open request for {environment}.",
            field="model_version",
            code="duplicate_request",
        )
    digest, links = registry_services.version_bindings(mv)
    approval = ApprovalRequest(
        model_version=mv,
        environment=environment,
        requested_by=actor,
        justification=justification,
        risk_tier=system.risk_tier,
        required_functions=list(policy.required_functions),
        due_at=now + dt.timedelta(days=policy.signoff_sla_days),
        bound_artifact_sha256=digest,
        bound_datasets=links,
    )
    approval.full_clean()
    approval.save()
    backdate_created(approval, now)
    audit.record(
        actor=actor,
        action="governance.approval.requested",
        obj=approval,
        changes={
            "model_version": mv.pk,
            "environment": environment,
            "risk_tier": approval.risk_tier,
            "required_functions": approval.required_functions,
            "due_at": approval.due_at,
            "bound_artifact_sha256": digest,
            "bound_datasets": links,
        },
        now=now,
    )
    return approval


def _transition(
    approval: ApprovalRequest,
    *,
    actor: Any,
    status: str,
    reason: str,
    now: dt.datetime,
    action: str,
    extra: dict[str, Any] | None = None,
) -> None:
    old = approval.status
    approval.status = status
    approval.status_reason = reason
    if status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        approval.decided_at = now
    approval.save()
    changes = {"status": [old, status], "reason": reason, **(extra or {})}
    audit.record(actor=actor, action=action, obj=approval, changes=changes, now=now)


@transaction.atomic
def signoff_record(
    *,
    actor: Any,
    approval: ApprovalRequest,
    function: str,
    decision: str,
    comment: str = "",
    conditions: str = "",
    now: dt.datetime | None = None,
) -> Signoff:
    """A reviewer decides for one function. Any reject rejects; changes requested returns the
    request to its requester; when every required function has approved, it is approved.

    The sign-off records the evidence it was given on: the digests of what is in force on the
    version and on the request at that moment. Replacing or withdrawing any of it later
    invalidates the request (``approvals_invalidate_for_evidence``).

    The request row is locked, so of two reviewers signing the same function at once one wins
    and the other is told (409) that the function has decided. The evidence rows are locked
    before it, in the order a correction of evidence takes them (its item, then the requests
    that cited it): a correction either committed before and is seen, or waits and then sees
    this sign-off."""
    now = now or timezone.now()
    evidence = evidence_services.evidence_in_force_locked(
        [
            (SubjectType.MODEL_VERSION, approval.model_version_id),
            (SubjectType.APPROVAL, approval.pk),
        ]
    )
    approval = _locked_approval(approval)
    signoffs = list(approval.signoffs.all())
    reason = permissions.signoff_refusal(actor, approval, function, signoffs=signoffs)
    if reason is not None:
        already = any(s.round == approval.round and s.function == function for s in signoffs)
        if already and approval.status == ApprovalStatus.PENDING:
            raise ConflictError(reason, field="function", code="already_signed")
        raise PermissionDenied({"function": reason})
    signoff = Signoff(
        approval=approval,
        round=approval.round,
        function=function,
        reviewer=actor,
        decision=decision,
        comment=comment,
        conditions=conditions,
        created_at=now,
    )
    signoff.full_clean()
    signoff.save()
    SignoffEvidence.objects.bulk_create(
        [SignoffEvidence(signoff=signoff, evidence=item, sha256=item.sha256) for item in evidence]
    )
    outcome: dict[str, Any] = {}
    if decision == Decision.REJECT:
        approval.status = ApprovalStatus.REJECTED
        approval.status_reason = f"Rejected by {function}: {comment}".strip()
        approval.decided_at = now
    elif decision == Decision.CHANGES_REQUESTED:
        approval.status = ApprovalStatus.CHANGES_REQUESTED
        approval.status_reason = f"{function.capitalize()} requested changes: {comment}".strip()
    else:
        approved = {
            s.function
            for s in signoffs
            if s.round == approval.round and s.decision == Decision.APPROVE
        } | {function}
        if approved >= set(approval.required_functions):
            approval.status = ApprovalStatus.APPROVED
            approval.status_reason = "Every required function approved."
            approval.decided_at = now
            policy = Policy.objects.get(risk_tier=approval.risk_tier)
            approval.expires_at = now + dt.timedelta(days=policy.approval_validity_days)
            mv = approval.model_version
            if mv.status == VersionStatus.REGISTERED:
                ModelVersion.objects.filter(pk=mv.pk).update(
                    status=VersionStatus.APPROVED, updated_at=now
                )
                outcome["model_version.status"] = [
                    VersionStatus.REGISTERED.value,
                    VersionStatus.APPROVED.value,
                ]
    if approval.status != ApprovalStatus.PENDING:
        outcome["status"] = [ApprovalStatus.PENDING.value, approval.status]
        approval.save()
    audit.record(
        actor=actor,
        action="governance.signoff.recorded",
        obj=approval,
        object_repr=f"{approval} — {function} {decision}",
        changes={
            "signoff": signoff.pk,
            "round": signoff.round,
            "function": function,
            "decision": decision,
            "comment": comment,
            "conditions": conditions,
            # What the decision was given on: [evidence id, digest (or the link)] each.
            "evidence": [[item.pk, item.sha256 or item.link_url] for item in evidence],
            **outcome,
        },
        now=now,
    )
    return signoff


@transaction.atomic
def approval_withdraw(
    *, actor: Any, approval: ApprovalRequest, reason: str = "", now: dt.datetime | None = None
) -> ApprovalRequest:
    """The requester withdraws a request that is still open."""
    now = now or timezone.now()
    approval = _locked_approval(approval)
    if actor is not None and not permissions.can_withdraw(actor, approval):
        raise PermissionDenied("Only the requester may withdraw the request.")
    if approval.status not in OPEN_APPROVAL_STATUSES:
        raise ConflictError(f"The request is already {approval.status}.", code="not_open")
    _transition(
        approval,
        actor=actor,
        status=ApprovalStatus.WITHDRAWN,
        reason=reason or "Withdrawn by the requester.",
        now=now,
        action="governance.approval.withdrawn",
    )
    return approval


@transaction.atomic
def approval_resubmit(
    *,
    actor: Any,
    approval: ApprovalRequest,
    justification: str = "",
    now: dt.datetime | None = None,
) -> ApprovalRequest:
    """After changes were requested, the requester resubmits; sign-offs start a new round."""
    now = now or timezone.now()
    approval = _locked_approval(approval)
    if actor is not None and not permissions.can_withdraw(actor, approval):
        raise PermissionDenied("Only the requester may resubmit the request.")
    if approval.status != ApprovalStatus.CHANGES_REQUESTED:
        raise ConflictError(
            "Only a request with changes requested can be resubmitted.",
            code="not_changes_requested",
        )
    if justification:
        approval.justification = justification
    approval.round += 1
    policy = Policy.objects.get(risk_tier=approval.risk_tier)
    approval.due_at = now + dt.timedelta(days=policy.signoff_sla_days)
    _transition(
        approval,
        actor=actor,
        status=ApprovalStatus.PENDING,
        reason="Resubmitted after changes.",
        now=now,
        action="governance.approval.resubmitted",
        extra={"round": approval.round, "due_at": approval.due_at},
    )
    return approval


def approvals_invalidate_for_version(
    *, actor: Any, version: ModelVersion, changes: dict[str, Any]
) -> int:
    """Invalidate every open request bound to what this version no longer is. Called by the
    registry (hooks) inside the transaction that changed the version."""
    now = timezone.now()
    digest, links = registry_services.version_bindings(version)
    count = 0
    for approval in ApprovalRequest.objects.select_for_update().filter(
        model_version=version, status__in=OPEN_APPROVAL_STATUSES
    ):
        if approval.bound_artifact_sha256 == digest and approval.bound_datasets == links:
            continue
        what = sorted(k for k in changes if k in {"artifact_sha256", "artifact_uri", "datasets"})
        _transition(
            approval,
            actor=actor,
            status=ApprovalStatus.INVALIDATED,
            reason=f"The version changed after the request ({', '.join(what)}); request again.",
            now=now,
            action="governance.approval.invalidated",
        )
        count += 1
    if count and version.status == VersionStatus.APPROVED:
        ModelVersion.objects.filter(pk=version.pk).update(status=VersionStatus.REGISTERED)
    return count


def approvals_invalidate_for_model_move(*, actor: Any, model: AIModel, old_system: AISystem) -> int:
    """Invalidate every open request for a version of a model that moved to another system:
    its required functions came from the old system's risk tier, and who could sign from the
    old system's owners. Called by the registry (hooks) inside the move's transaction."""
    return _invalidate_open(
        ApprovalRequest.objects.filter(model_version__model=model),
        actor=actor,
        reason=(
            f"The model moved from system '{old_system}' to '{model.system}' after the request; "
            "request again under the new system's policy."
        ),
    )


def approvals_invalidate_for_system_change(
    *, actor: Any, system: AISystem, changes: dict[str, Any]
) -> int:
    """What a system's open requests were decided under, changed. Its risk tier decides which
    functions sign: a new tier invalidates every open request of its versions. Its owners
    decide who is independent: new owners invalidate the requests someone among them signed
    (in the current round). Other changes leave requests alone. Called by the registry (hooks)
    inside the update's transaction."""
    of_system = ApprovalRequest.objects.filter(model_version__model__system=system)
    if "risk_tier" in changes:
        old, new = changes["risk_tier"]
        return _invalidate_open(
            of_system,
            actor=actor,
            reason=(
                f"The system's risk tier changed from {old} to {new} after the request; request "
                f"again under the {new} policy."
            ),
        )
    if "owning_team" in changes or "technical_owner" in changes:
        owners = set(
            get_user_model()
            .objects.filter(groups__team=system.owning_team_id)
            .values_list("pk", flat=True)
        )
        if system.technical_owner_id is not None:
            owners.add(system.technical_owner_id)
        signed_by_owners = Signoff.objects.filter(
            approval__in=of_system,
            round=F("approval__round"),
            decision=Decision.APPROVE,
            reviewer_id__in=owners,
        ).values("approval_id")
        return _invalidate_open(
            ApprovalRequest.objects.filter(pk__in=signed_by_owners),
            actor=actor,
            reason=(
                "The system's owners changed after the request, and one of them signed it: it "
                "is no longer independently approved; request again."
            ),
        )
    return 0


def approvals_invalidate_for_evidence(
    *, actor: Any, item: EvidenceItem, change: str, replacement: EvidenceItem | None = None
) -> int:
    """Evidence a sign-off was given on is no longer in force — replaced by a new version, or
    withdrawn: the requests it was cited on are invalidated, as when the artifact they were
    bound to changes, with the reason naming the evidence, who had signed and the digest they
    saw. Only the sign-offs of a request's current round count; a request still pending, with
    changes requested, or approved and not yet used is invalidated; one a deployment already
    used stays, since that deployment was decided on what was then in force. Called by the
    evidence store (hooks) inside the transaction of the change."""
    signed: dict[int, set[str]] = {}
    for approval_id, function in SignoffEvidence.objects.filter(
        evidence=item, signoff__round=F("signoff__approval__round")
    ).values_list("signoff__approval_id", "signoff__function"):
        signed.setdefault(approval_id, set()).add(function)
    if not signed:
        return 0
    seen = f"sha256 {item.sha256[:12]}…" if item.sha256 else f"link {item.link_url}"
    if change == "superseded" and replacement is not None:
        what = f"was replaced by version {replacement.version}"
    else:
        what = "was withdrawn" + (f" ({item.withdrawal_reason})" if item.withdrawal_reason else "")

    def reason(approval: ApprovalRequest) -> str:
        functions = " and ".join(sorted(signed[approval.pk]))
        return f"Evidence '{item.title}' {what} after {functions} signed ({seen}); request again."

    return _invalidate_open(
        ApprovalRequest.objects.filter(pk__in=signed).exclude(
            status=ApprovalStatus.APPROVED, first_deployed_at__isnull=False
        ),
        actor=actor,
        reason=reason,
    )


def _invalidate_open(
    approvals: QuerySet[ApprovalRequest],
    *,
    actor: Any,
    reason: str | Callable[[ApprovalRequest], str],
) -> int:
    """Invalidate the open requests among ``approvals`` (each its own audited transition), and
    put the versions they had approved back to registered. ``reason`` is the same for all, or
    says it for each."""
    now = timezone.now()
    count = 0
    approved_versions = set()
    for approval in (
        approvals.select_for_update().filter(status__in=OPEN_APPROVAL_STATUSES).order_by("pk")
    ):
        if approval.status == ApprovalStatus.APPROVED:
            approved_versions.add(approval.model_version_id)
        _transition(
            approval,
            actor=actor,
            status=ApprovalStatus.INVALIDATED,
            reason=reason(approval) if callable(reason) else reason,
            now=now,
            action="governance.approval.invalidated",
        )
        count += 1
    if approved_versions:
        ModelVersion.objects.filter(pk__in=approved_versions, status=VersionStatus.APPROVED).update(
            status=VersionStatus.REGISTERED
        )
    return count


@transaction.atomic
def approvals_expire(*, now: dt.datetime | None = None) -> int:
    """Expire approvals whose validity ran out before any deployment used them. Safe to run
    twice or concurrently: each row is locked and re-checked."""
    now = now or timezone.now()
    ids = list(
        ApprovalRequest.objects.filter(
            status=ApprovalStatus.APPROVED, first_deployed_at__isnull=True, expires_at__lte=now
        ).values_list("pk", flat=True)
    )
    count = 0
    for approval in ApprovalRequest.objects.select_for_update(skip_locked=True).filter(
        pk__in=ids, status=ApprovalStatus.APPROVED, first_deployed_at__isnull=True
    ):
        _transition(
            approval,
            actor=None,
            status=ApprovalStatus.EXPIRED,
            reason="Not deployed within its validity.",
            now=now,
            action="governance.approval.expired",
        )
        count += 1
    return count


# --- The gate ---------------------------------------------------------------------------------


@dataclass
class GateDecision:
    model_version: ModelVersion
    environment: str
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    approval: ApprovalRequest | None = None


def gate_decide(
    *, model_version: ModelVersion, environment: str, now: dt.datetime | None = None
) -> GateDecision:
    """May this version be deployed to this environment now? Reasons name exactly what is
    missing. Staging needs no approval; production needs an approved, unexpired request whose
    bindings still match the version."""
    now = now or timezone.now()
    mv = model_version
    system = mv.model.system
    reasons: list[str] = []
    if system.lifecycle == Lifecycle.RETIRED:
        reasons.append(f"System '{system}' is retired.")
    if mv.status == VersionStatus.DEPRECATED:
        reasons.append(f"Version {mv.version} is deprecated.")
    if environment != Environment.PRODUCTION:
        return GateDecision(mv, environment, allowed=not reasons, reasons=reasons)

    policy = Policy.objects.filter(risk_tier=system.risk_tier).first()
    if policy is not None and not policy.approvable:
        reasons.append(f"Risk tier {system.risk_tier}: systems of this tier may never be deployed.")
    if policy is not None:
        reasons.extend(
            hooks.production_gate_checks.collect(
                system=system, model_version=mv, policy=policy, now=now
            )
        )
    requests = list(
        ApprovalRequest.objects.filter(model_version=mv, environment=environment)
        .prefetch_related("signoffs")
        .order_by("-created_at")
    )
    live = next((a for a in requests if a.status in OPEN_APPROVAL_STATUSES), None)
    approval = None
    if live is not None and live.risk_tier != system.risk_tier:
        # Its policy was the old tier's. A change of tier invalidates open requests; this also
        # holds for one made while the tier was being changed.
        reasons.append(
            f"Approval #{live.pk} was requested under the {live.risk_tier} risk policy; the "
            f"system is now {system.risk_tier} risk. Request again."
        )
    if live is None:
        latest = requests[0] if requests else None
        if latest is None:
            reasons.append("No approval has been requested for this version and environment.")
        elif latest.status == ApprovalStatus.INVALIDATED:
            reasons.append(f"Approval #{latest.pk} was invalidated: {latest.status_reason}")
        elif latest.status == ApprovalStatus.EXPIRED:
            reasons.append(f"Approval #{latest.pk} expired unused.")
        else:
            reasons.append(f"Approval #{latest.pk} was {latest.status}: {latest.status_reason}")
    elif live.status == ApprovalStatus.APPROVED:
        approval = live
        digest, links = registry_services.version_bindings(mv)
        if live.bound_artifact_sha256 != digest or live.bound_datasets != links:
            reasons.append(
                f"Approval #{live.pk} no longer matches the version's artifact or datasets."
            )
        if live.first_deployed_at is None and live.expires_at and live.expires_at <= now:
            reasons.append(f"Approval #{live.pk} expired on {live.expires_at:%Y-%m-%d}.")
    else:
        approval = live
        if live.status == ApprovalStatus.CHANGES_REQUESTED:
            reasons.append(f"Approval #{live.pk}: changes requested ({live.status_reason}).")
        signed = {
            s.function
            for s in live.signoffs.all()
            if s.round == live.round and s.decision == Decision.APPROVE
        }
        missing = [f for f in live.required_functions if f not in signed]
        if missing:
            reasons.append(f"Approval #{live.pk} is missing sign-off from: {', '.join(missing)}.")
    return GateDecision(mv, environment, allowed=not reasons, reasons=reasons, approval=approval)


# A pipeline polling the gate while it waits for sign-offs asks the same question every minute:
# the same refusal is recorded again only after this long, so its history is not all polls.
GATE_POLL_REPEAT_AFTER = dt.timedelta(hours=24)


@transaction.atomic
def gate_refusal_record(
    *,
    actor: Any,
    model_version: ModelVersion,
    environment: str,
    decision: GateDecision,
    poll: bool = False,
    now: dt.datetime | None = None,
) -> bool:
    """A refused gate decision is part of the record: who asked to deploy what, and why not.
    Returns whether an event was recorded.

    Only the refusals of people who could deploy the version are recorded; anyone else asking
    the gate is merely reading, and must not be able to grow the ledger. A refused deployment
    attempt is always recorded; a ``poll`` (asking the gate) is not recorded again while the
    same actor's last refusal for the version and environment said the same, for
    ``GATE_POLL_REPEAT_AFTER``."""
    if actor is not None and not registry_permissions.can_register_under(
        actor, model_version.model.system
    ):
        return False
    now = now or timezone.now()
    changes = {
        "environment": environment,
        "reasons": decision.reasons,
        "approval": decision.approval.pk if decision.approval else None,
    }
    if poll:
        last = (
            audit_selectors.audit_history(model_version)
            .filter(
                action="governance.gate.refused",
                actor_id=actor.pk if actor is not None else None,
                created_at__gt=now - GATE_POLL_REPEAT_AFTER,
            )
            .values_list("changes", flat=True)
            .first()
        )
        if last == changes:
            return False
    audit.record(
        actor=actor, action="governance.gate.refused", obj=model_version, changes=changes, now=now
    )
    return True


class DeploymentRefused(ConflictError):
    def __init__(self, decision: GateDecision):
        super().__init__("; ".join(decision.reasons), field="model_version", code="gate_refused")
        self.decision = decision


@transaction.atomic
def deployment_record(
    *,
    actor: Any,
    model_version: ModelVersion,
    environment: str,
    endpoint: str = "",
    notes: str = "",
    deployed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Deployment:
    """Record a deployment, through the gate. Production needs an approved request for this
    exact version; the deployment is linked to it and the approval stops expiring."""
    now = now or timezone.now()
    mv = (
        ModelVersion.objects.select_for_update(of=("self",))
        .select_related("model__system")
        .get(pk=model_version.pk)
    )
    if actor is not None:
        # Who may deploy is asked before whether this may be deployed: an outsider learns
        # nothing from the gate and leaves no trace in the ledger.
        registry_permissions.require_register_under(actor, mv.model.system, field="model_version")
    decision = gate_decide(model_version=mv, environment=environment, now=now)
    if not decision.allowed:
        raise DeploymentRefused(decision)
    approval = None
    if decision.approval is not None:
        approval = _locked_approval(decision.approval)
    deployment = registry_services.deployment_create(
        actor=actor,
        model_version=mv,
        environment=environment,
        endpoint=endpoint,
        notes=notes,
        deployed_at=deployed_at or now,
        audit_extra={"approval": approval.pk if approval else None},
    )
    if approval is not None:
        DeploymentApproval.objects.create(deployment=deployment, approval=approval)
        if approval.first_deployed_at is None:
            approval.first_deployed_at = deployment.deployed_at
            approval.save(update_fields=["first_deployed_at", "updated_at"])
    return deployment
