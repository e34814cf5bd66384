"""What the documents require of a production approval and deployment, registered on approvals'
hooks (``governance.approvals.hooks``) by governance's AppConfig.ready:

* a production approval may be requested only when the system's technical documentation meets
  the tier's policy (``documentation_min_score``, ``documentation_no_missing``);
* a deployer's high-risk system goes to production only with a signed, current fundamental-
  rights impact assessment, when the tier's policy says so (``fria_required``).

The reasons name what is missing, as the dossier page does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.documents.choices import Completeness, FRIAFunction, FRIAStatus
from governance.documents.models import FundamentalRightsAssessment
from registry.inventory.choices import AIActRole
from registry.inventory.models import AISystem

# How many gaps a refusal lists before it says how many more there are.
GAPS_LISTED = 8


def documentation_request_reasons(
    *, system: AISystem, model_version: Any, policy: Any, now: dt.datetime
) -> list[str]:
    """Why the documentation does not yet allow a production request under ``policy``."""
    if not (policy.documentation_min_score or policy.documentation_no_missing):
        return []
    from governance.documents.completeness import dossier

    doc = dossier(system, user=None, now=now, events=0)
    reasons = []
    short = doc.score < policy.documentation_min_score
    missing = [s for s in doc.sections if s.status == Completeness.MISSING]
    if short:
        reasons.append(
            f"The technical documentation scores {doc.score}%; the {system.risk_tier}-risk "
            f"policy requires {policy.documentation_min_score}%."
        )
    if policy.documentation_no_missing and missing:
        titles = ", ".join(s.title for s in missing)
        reasons.append(
            f"The {system.risk_tier}-risk policy requires every section of the technical "
            f"documentation at least partial; missing: {titles}."
        )
    if reasons:
        lacking = [s for s in doc.sections if s.status != Completeness.COMPLETE]
        gaps = [g.text for s in (missing or lacking) for g in s.gaps]
        listed = " ".join(gaps[:GAPS_LISTED])
        more = f" (and {len(gaps) - GAPS_LISTED} more)" if len(gaps) > GAPS_LISTED else ""
        reasons.append(f"What is missing: {listed}{more}")
    return reasons


def fria_gate_reasons(
    *, system: AISystem, model_version: Any, policy: Any, now: dt.datetime
) -> list[str]:
    """Why a deployer may not yet put ``system`` into production use without an assessment."""
    if not policy.fria_required or system.ai_act_role != AIActRole.DEPLOYER:
        return []
    latest = (
        FundamentalRightsAssessment.objects.filter(system=system)
        .prefetch_related("signoffs")
        .order_by("-number")
        .first()
    )
    law = (
        "a fundamental-rights impact assessment (EU AI Act Art. 27) signed by compliance and "
        "privacy"
    )
    if latest is None:
        return [
            f"'{system}' is a high-risk system used as a deployer: it needs {law} before "
            "production use; none is written."
        ]
    if latest.status == FRIAStatus.APPROVED:
        return []
    if latest.status == FRIAStatus.OUTDATED:
        return [f"FRIA #{latest.number} of '{system}' is outdated: {latest.status_reason}"]
    if latest.status == FRIAStatus.DRAFT:
        return [
            f"FRIA #{latest.number} of '{system}' is a draft: {law} is needed before "
            "production use."
        ]
    signed = {
        s.function
        for s in latest.signoffs.all()
        if s.round == latest.round and s.decision == "approve"
    }
    waiting = [f for f in FRIAFunction.values if f not in signed]
    return [f"FRIA #{latest.number} of '{system}' awaits sign-off from: {', '.join(waiting)}."]
