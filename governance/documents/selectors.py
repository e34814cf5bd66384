"""Read queries of the documents, shared by the pages, the API and the tasks: what a user may
read, and the panels of the dossier page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404

from governance.documents import assessments, permissions, registration
from governance.documents.choices import FRIAFunction, FRIAStatus
from governance.documents.dossier import Dossier
from governance.documents.forms import FRIAForm, RegistrationForm
from governance.documents.models import (
    DocumentJob,
    FundamentalRightsAssessment,
    SectionEvidence,
)
from registry.core.etags import etag_for
from registry.inventory.models import AISystem

RECENT_JOBS = 5


def fria_list(user: Any):
    """The assessments whose system's documents ``user`` reads."""
    return (
        FundamentalRightsAssessment.objects.select_related(
            "system", "dpia", "created_by", "submitted_by"
        )
        .prefetch_related("signoffs__reviewer")
        .filter(permissions.documents_visibility(user, "system__"))
        .order_by("system_id", "-number")
    )


def fria_for(user: Any, pk: int) -> FundamentalRightsAssessment | None:
    return fria_list(user).filter(pk=pk).first()


def job_list(user: Any):
    """PDF jobs of the systems whose documents ``user`` reads."""
    return DocumentJob.objects.select_related("system", "requested_by").filter(
        permissions.documents_visibility(user, "system__")
    )


def job_for(user: Any, pk: int) -> DocumentJob | None:
    return job_list(user).filter(pk=pk).first()


def recent_jobs(system: AISystem, user: Any) -> list[DocumentJob]:
    return list(job_list(user).filter(system=system).order_by("-created_at", "-pk")[:RECENT_JOBS])


def mapping_of(system: AISystem, pk: int) -> SectionEvidence:
    mapping = SectionEvidence.objects.filter(system=system, pk=pk).select_related("system").first()
    if mapping is None:
        raise Http404("No such mapping.")
    return mapping


def map_choices(doc: Dossier) -> None:
    """Give each section the evidence of the system that could still be mapped to it by hand
    (in force, visible, not already cited by the section), as ``map_choices``."""
    for section in doc.sections:
        cited = {item.pk for item in section.evidence}
        section.map_choices = [item for item in doc.evidence if item.pk not in cited]


@dataclass
class SignSlot:
    function: str
    decided: Any = None
    refusal: str | None = None


@dataclass
class FRIAPanel:
    """What the dossier page shows of the assessments: the latest, its form while it is a
    draft, its sign-offs and whether the user may sign, and the earlier ones."""

    required: bool
    latest: FundamentalRightsAssessment | None
    earlier: list[FundamentalRightsAssessment]
    can_write: bool
    can_start: bool
    form: FRIAForm | None
    slots: list[SignSlot] = field(default_factory=list)
    gaps: dict[str, str] = field(default_factory=dict)


def fria_panel(user: Any, doc: Dossier) -> FRIAPanel:
    system = doc.system
    policy = doc.policy
    required = bool(
        policy is not None and policy.fria_required and system.ai_act_role == "deployer"
    )
    latest = doc.frias[0] if doc.frias else None
    can_write = permissions.can_write_documents(user, system)
    form = None
    slots: list[SignSlot] = []
    gaps: dict[str, str] = {}
    if latest is not None:
        if latest.status == FRIAStatus.DRAFT and can_write:
            choices = [
                (i.pk, f"{i.title} (v{i.version})") for i in assessments.dpia_choices(system, user)
            ]
            initial = {f: getattr(latest, f) for f in assessments.FRIA_FIELDS}
            initial |= {"dpia": latest.dpia_id, "etag": etag_for(latest)}
            form = FRIAForm(initial=initial, dpia_choices=choices)
            gaps = assessments.submission_gaps(latest)
        signoffs = list(latest.signoffs.all())
        for function in FRIAFunction.values:
            decided = next(
                (s for s in signoffs if s.round == latest.round and s.function == function), None
            )
            refusal = assessments.fria_signoff_refusal(user, latest, function, signoffs=signoffs)
            slots.append(SignSlot(function, decided, refusal))
    can_start = can_write and (latest is None or latest.status not in ("draft", "submitted"))
    return FRIAPanel(
        required=required,
        latest=latest,
        earlier=doc.frias[1:],
        can_write=can_write,
        can_start=can_start,
        form=form,
        slots=slots,
        gaps=gaps,
    )


@dataclass
class RegistrationPanel:
    entry: registration.Entry
    form: RegistrationForm
    etag: str


def registration_panel(doc: Dossier) -> RegistrationPanel:
    approved = next((f for f in doc.frias if f.status == FRIAStatus.APPROVED), None)
    entry = registration.entry(
        doc.system, doc.registration.data if doc.registration else None, fria=approved
    )
    etag = etag_for(doc.registration) if doc.registration else etag_for(doc.system)
    initial = {
        key: " ".join(value) if isinstance(value, list) else value
        for key, value in entry.values.items()
    } | {"etag": etag}
    form = RegistrationForm(initial=initial, fields=entry.fields)
    return RegistrationPanel(entry=entry, form=form, etag=etag)
