"""The technical documentation of a system (EU AI Act Art. 11, Annex IV), assembled from the
record: the system and its owners, its versions with their datasets and lineage, model cards,
approvals and their conditions, risk reviews and findings, incidents, deployments, the evidence
attached to any of them, the change history from the audit trail, what providers add
(``hooks.section_providers``: monitoring plans) and the words a writer added per section.

``dossier()`` reads it all in a fixed number of queries, whatever the number of versions,
evidence items or audit events; ``completeness`` judges each section.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from governance.approvals.models import ApprovalRequest, Signoff
from governance.documents import hooks
from governance.documents.choices import SECTION_REFERENCES, Completeness, Section
from governance.documents.hooks import Check, Contribution, Gap
from governance.documents.models import (
    FundamentalRightsAssessment,
    ModelCard,
    RegistrationData,
    SectionEvidence,
    TechnicalDocumentation,
)
from governance.policies.models import Policy
from governance.reviews.choices import ReviewStatus
from governance.reviews.models import RiskFinding, RiskReview
from registry.audit.models import AuditChainHead, AuditEvent
from registry.audit.services import object_type_of
from registry.evidence import selectors as evidence_selectors
from registry.evidence.choices import EvidenceKind, EvidenceStatus, SubjectType
from registry.evidence.models import EvidenceItem
from registry.inventory import selectors as inventory_selectors
from registry.inventory.choices import DeploymentStatus, Environment, VersionStatus
from registry.inventory.models import (
    AIModel,
    AISystem,
    Deployment,
    Incident,
    ModelVersion,
    ModelVersionDataset,
)
from registry.inventory.selectors import VersionLineage

# Evidence counts towards the sections of its kind; a compliance user maps any item to any
# section on top of that (``SectionEvidence``).
KIND_SECTIONS: dict[str, tuple[str, ...]] = {
    EvidenceKind.VALIDATION_REPORT: (Section.DEVELOPMENT, Section.PERFORMANCE_METRICS),
    EvidenceKind.TEST_RESULTS: (Section.PERFORMANCE_METRICS, Section.DEVELOPMENT),
    EvidenceKind.DPIA: (Section.RISK_MANAGEMENT,),
    EvidenceKind.FRIA: (Section.RISK_MANAGEMENT,),
    EvidenceKind.SECURITY_ASSESSMENT: (Section.RISK_MANAGEMENT,),
    EvidenceKind.VENDOR_DOCUMENTATION: (Section.GENERAL_DESCRIPTION,),
    EvidenceKind.MONITORING_REPORT: (Section.POST_MARKET_MONITORING, Section.MONITORING_CONTROL),
    EvidenceKind.POLICY: (Section.STANDARDS,),
}

# Events that say nothing about the system's lifecycle: reads that are recorded (downloads,
# refused gate polls, generated documents) and the chasing of people.
QUIET_ACTIONS = (
    "registry.evidence.downloaded",
    "governance.gate.refused",
    "governance.document.generated",
    "governance.document.requested",
    "governance.document.failed",
)
QUIET_PREFIXES = ("governance.notification.",)

# How many of the lifecycle's events a document lists (the counts cover them all).
PAGE_EVENTS = 30
PDF_EVENTS = 100
DEFAULT_CADENCE_DAYS = 365


@dataclass
class SectionDoc:
    """One section of the documentation: what the record says, the evidence that backs it, and
    whether it is complete (every check met), partial (some) or missing (none)."""

    key: str
    number: int
    title: str
    reference: str
    narrative: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def status(self) -> str:
        met = sum(1 for c in self.checks if c.ok)
        if met == len(self.checks):
            return Completeness.COMPLETE
        return Completeness.MISSING if met == 0 else Completeness.PARTIAL

    @property
    def gaps(self) -> list[Gap]:
        return [c.gap for c in self.checks if not c.ok]

    @property
    def met(self) -> int:
        return sum(1 for c in self.checks if c.ok)


@dataclass
class VersionRow:
    """A version as the documentation lists it, with its card, lineage and evidence."""

    version: ModelVersion
    lineage: VersionLineage
    card: ModelCard | None
    evidence: list[EvidenceItem]
    current: bool

    @property
    def label(self) -> str:
        return f"{self.version.model.name} v{self.version.version}"

    @property
    def metrics(self) -> list[dict[str, Any]]:
        from governance.documents.cards import metrics_from_registry

        if self.card is not None and self.card.metrics:
            return self.card.metrics
        return metrics_from_registry(self.version.metrics)

    def has_evidence(self, kind: str) -> bool:
        return any(item.kind == kind for item in self.evidence)


@dataclass
class History:
    """The system's change history from the audit trail: counts of every event, and the latest
    of those that tell its lifecycle."""

    total: int
    first_sequence: int | None
    last_sequence: int | None
    by_action: list[tuple[str, int]]
    events: list[AuditEvent]
    shown_limit: int


@dataclass
class Dossier:
    """Everything the technical documentation of one system says, as of ``generated_at`` and
    the ledger head ``(ledger_sequence, ledger_hash)`` it was read after."""

    system: AISystem
    policy: Policy | None
    generated_at: dt.datetime
    ledger_sequence: int
    ledger_hash: str
    versions: list[VersionRow]
    approvals: list[ApprovalRequest]
    reviews: list[RiskReview]
    findings: list[RiskFinding]
    incidents: list[Incident]
    deployments: list[Deployment]
    evidence: list[EvidenceItem]
    evidence_sequences: dict[int, int]
    mappings: list[SectionEvidence]
    record: TechnicalDocumentation | None
    frias: list[FundamentalRightsAssessment]
    registration: RegistrationData | None
    history: History
    sections: list[SectionDoc] = field(default_factory=list)

    @property
    def current_versions(self) -> list[VersionRow]:
        return [row for row in self.versions if row.current]

    @property
    def score(self) -> int:
        """Complete sections count 1, partial ones ½, missing ones 0; as a percentage of all
        sections, rounded down."""
        if not self.sections:
            return 0
        points = sum(
            2 if s.status == Completeness.COMPLETE else 1 if s.status == Completeness.PARTIAL else 0
            for s in self.sections
        )
        return (points * 100) // (2 * len(self.sections))

    @property
    def counts(self) -> dict[str, int]:
        """How many sections are complete, partial and missing."""
        out = dict.fromkeys(Completeness.values, 0)
        for section in self.sections:
            out[section.status] += 1
        return out

    @property
    def cited(self) -> list[EvidenceItem]:
        """Every evidence item any section cites, once, by id."""
        seen: dict[int, EvidenceItem] = {}
        for section in self.sections:
            for item in section.evidence:
                seen.setdefault(item.pk, item)
        return sorted(seen.values(), key=lambda i: i.pk)

    def section(self, key: str) -> SectionDoc:
        return next(s for s in self.sections if s.key == key)

    @property
    def fria(self) -> FundamentalRightsAssessment | None:
        """The latest assessment."""
        return self.frias[0] if self.frias else None


# --- Reading ----------------------------------------------------------------------------------


def evidence_pool(system: AISystem) -> Q:
    """The evidence of a system's documentation, as one filter: what is attached to the system,
    its versions and their datasets, its approvals, reviews, findings and incidents."""
    of_system = {"model_version__model__system": system}
    return (
        Q(subject_type=SubjectType.SYSTEM, subject_id=system.pk)
        | Q(
            subject_type=SubjectType.MODEL_VERSION,
            subject_id__in=ModelVersion.objects.filter(model__system=system).values("pk"),
        )
        | Q(
            subject_type=SubjectType.DATASET,
            subject_id__in=ModelVersionDataset.objects.filter(**of_system).values("dataset_id"),
        )
        | Q(
            subject_type=SubjectType.APPROVAL,
            subject_id__in=ApprovalRequest.objects.filter(**of_system).values("pk"),
        )
        | Q(
            subject_type=SubjectType.REVIEW,
            subject_id__in=RiskReview.objects.filter(system=system).values("pk"),
        )
        | Q(
            subject_type=SubjectType.FINDING,
            subject_id__in=RiskFinding.objects.filter(system=system).values("pk"),
        )
        | Q(
            subject_type=SubjectType.INCIDENT,
            subject_id__in=Incident.objects.filter(system=system).values("pk"),
        )
    )


def _current_versions(versions: list[ModelVersion], deployments: list[Deployment]) -> set[int]:
    """The versions the documentation is about: each model's latest version that is not
    deprecated, and whatever runs in production."""
    latest: dict[int, ModelVersion] = {}
    for v in versions:
        if v.status == VersionStatus.DEPRECATED:
            continue
        best = latest.get(v.model_id)
        if best is None or (v.created_at, v.pk) > (best.created_at, best.pk):
            latest[v.model_id] = v
    running = {
        d.model_version_id
        for d in deployments
        if d.environment == Environment.PRODUCTION and d.status == DeploymentStatus.ACTIVE
    }
    return {v.pk for v in latest.values()} | running


def _history(object_ids: dict[str, list[Any]], *, limit: int) -> History:
    match = Q(pk__in=[])
    for object_type, ids in object_ids.items():
        if ids:
            match |= Q(object_type=object_type, object_id__in=[str(i) for i in ids])
    events = AuditEvent.objects.filter(match)
    span = events.aggregate(first=Min("sequence"), last=Max("sequence"), total=Count("id"))
    by_action = list(events.values_list("action").annotate(n=Count("id")).order_by("-n", "action"))
    telling = events.exclude(action__in=QUIET_ACTIONS)
    for prefix in QUIET_PREFIXES:
        telling = telling.exclude(action__startswith=prefix)
    latest = list(
        telling.only(
            "sequence", "created_at", "actor_name", "action", "object_repr", "changes", "hash"
        ).order_by("-sequence")[:limit]
    )
    return History(
        total=span["total"] or 0,
        first_sequence=span["first"],
        last_sequence=span["last"],
        by_action=by_action,
        events=latest,
        shown_limit=limit,
    )


def dossier_record(
    system: AISystem,
    *,
    user: Any | None,
    now: dt.datetime | None = None,
    events: int = PAGE_EVENTS,
) -> tuple[Dossier, list]:
    """What the technical documentation of ``system`` is assembled from (read through
    ``inventory_selectors.system_list()``), and the sections' contributions of other packages;
    ``completeness.dossier`` judges the sections. ``user`` decides which evidence is listed
    (None: all of it, for the approval checks); ``events``, how many lifecycle events are
    listed."""
    now = now or timezone.now()
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first() or (0, "")
    policy = Policy.objects.filter(risk_tier=system.risk_tier).first()
    versions = list(
        inventory_selectors.version_list()
        .filter(model__system=system)
        .order_by("model__name", "-created_at", "-pk")
    )
    lineage = inventory_selectors.versions_lineage(versions)
    deployments = list(
        inventory_selectors.deployment_list()
        .select_related("approval_link")
        .filter(model_version__model__system=system)
        .order_by("-deployed_at")
    )
    current = _current_versions(versions, deployments)
    cards = {
        c.model_version_id: c
        for c in ModelCard.objects.filter(model_version__model__system=system).select_related(
            "updated_by"
        )
    }
    approvals = list(
        ApprovalRequest.objects.filter(model_version__model__system=system)
        .select_related("model_version__model", "requested_by")
        .prefetch_related("signoffs__reviewer")
        .order_by("-created_at", "-pk")
    )
    reviews = list(
        RiskReview.objects.filter(system=system)
        .select_related("assignee", "completed_by")
        .order_by("-completed_at", "-due_at", "-pk")
    )
    findings = list(
        RiskFinding.objects.filter(system=system).select_related("owner").order_by("-created_at")
    )
    incidents = list(
        inventory_selectors.incident_list().filter(system=system).order_by("-opened_at")
    )
    frias = list(
        FundamentalRightsAssessment.objects.filter(system=system)
        .select_related("dpia", "created_by", "submitted_by")
        .prefetch_related("signoffs__reviewer")
        .order_by("-number")
    )
    record = TechnicalDocumentation.objects.filter(system=system).first()
    registration = RegistrationData.objects.filter(system=system).first()
    mappings = list(SectionEvidence.objects.filter(system=system).select_related("mapped_by"))

    version_ids = [v.pk for v in versions]
    items = (
        evidence_selectors.evidence_list()
        if user is None
        else evidence_selectors.evidence_visible_to(user)
    )
    evidence = list(
        items.filter(evidence_pool(system), status=EvidenceStatus.CURRENT).order_by("kind", "pk")
    )
    evidence_sequences = {
        int(object_id): sequence
        for object_id, sequence in AuditEvent.objects.filter(
            object_type=object_type_of(EvidenceItem),
            object_id__in=[str(i.pk) for i in evidence],
            action__in=("registry.evidence.attached", "registry.evidence.superseded"),
        ).values_list("object_id", "sequence")
    }

    for item in evidence:
        item.audit_sequence = evidence_sequences.get(item.pk)
    by_version: dict[int, list[EvidenceItem]] = defaultdict(list)
    approval_version = {a.pk: a.model_version_id for a in approvals}
    for item in evidence:
        if item.subject_type == SubjectType.MODEL_VERSION:
            by_version[item.subject_id].append(item)
        elif item.subject_type == SubjectType.APPROVAL and item.subject_id in approval_version:
            by_version[approval_version[item.subject_id]].append(item)
    rows = [
        VersionRow(v, lineage[v.pk], cards.get(v.pk), by_version.get(v.pk, []), v.pk in current)
        for v in versions
    ]

    history = _history(
        {
            object_type_of(system): [system.pk],
            object_type_of(AIModel): sorted({v.model_id for v in versions}),
            object_type_of(ModelVersion): version_ids,
            object_type_of(ApprovalRequest): [a.pk for a in approvals],
            object_type_of(RiskReview): [r.pk for r in reviews],
            object_type_of(RiskFinding): [f.pk for f in findings],
            object_type_of(Incident): [i.pk for i in incidents],
            object_type_of(Deployment): [d.pk for d in deployments],
            object_type_of(ModelCard): [c.pk for c in cards.values()],
            object_type_of(FundamentalRightsAssessment): [f.pk for f in frias],
            object_type_of(TechnicalDocumentation): [record.pk] if record else [],
            object_type_of(RegistrationData): [registration.pk] if registration else [],
        },
        limit=events,
    )
    doc = Dossier(
        system=system,
        policy=policy,
        generated_at=now,
        ledger_sequence=head[0],
        ledger_hash=head[1],
        versions=rows,
        approvals=approvals,
        reviews=reviews,
        findings=findings,
        incidents=incidents,
        deployments=deployments,
        evidence=evidence,
        evidence_sequences=evidence_sequences,
        mappings=mappings,
        record=record,
        frias=frias,
        registration=registration,
        history=history,
    )
    contributions = hooks.section_providers.collect(
        system=system, versions=[row.version for row in rows], now=now
    )
    return doc, contributions


def approval_conditions(doc: Dossier) -> list[tuple[ApprovalRequest, Signoff]]:
    """The conditions reviewers attached to their sign-offs, newest request first."""
    return [
        (approval, signoff)
        for approval in doc.approvals
        for signoff in approval.signoffs.all()
        if signoff.conditions
    ]


def section_meta(key: str) -> tuple[int, str, str]:
    """(number, title, reference) of a section."""
    number = Section.values.index(key) + 1
    return number, Section(key).label, SECTION_REFERENCES[Section(key)]


def evidence_for_section(doc: Dossier, key: str) -> list[EvidenceItem]:
    """The evidence a section cites: that of its kinds, and that mapped to it by hand."""
    mapped = {m.evidence_lineage for m in doc.mappings if m.section == key}
    return [
        item
        for item in doc.evidence
        if key in KIND_SECTIONS.get(item.kind, ()) or item.lineage in mapped
    ]


def mapped_lineages(doc: Dossier, key: str) -> set[Any]:
    return {m.evidence_lineage for m in doc.mappings if m.section == key}


def reviews_completed_since(doc: Dossier, function: str, since: dt.datetime) -> RiskReview | None:
    for review in doc.reviews:
        if (
            review.function == function
            and review.status == ReviewStatus.COMPLETED
            and review.completed_at
            and review.completed_at >= since
        ):
            return review
    return None
