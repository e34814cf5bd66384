"""The documents as JSON and as PDF (WeasyPrint, from the templates under
``templates/documents/pdf/``): a cover page, a table of contents with page numbers, numbered
pages, the digest and audit sequence of every piece of evidence cited, the generation time and
the ledger head (sequence and hash) the document was built from."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from governance.documents import assessments, cards, registration
from governance.documents.cards import CARD_FIELDS, CardView
from governance.documents.dossier import Dossier, approval_conditions
from governance.documents.models import FundamentalRightsAssessment
from registry.audit.models import AuditChainHead, AuditEvent
from registry.audit.services import object_type_of, to_jsonable
from registry.evidence.models import EvidenceItem

Progress = Callable[[int, str], None]


def ledger_head() -> tuple[int, str]:
    return AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first() or (0, "")


def evidence_sequences(items: list[EvidenceItem]) -> dict[int, int]:
    """The audit sequence that recorded each item's digest (its attachment or new version)."""
    return {
        int(object_id): sequence
        for object_id, sequence in AuditEvent.objects.filter(
            object_type=object_type_of(EvidenceItem),
            object_id__in=[str(i.pk) for i in items],
            action__in=("registry.evidence.attached", "registry.evidence.superseded"),
        ).values_list("object_id", "sequence")
    }


def evidence_json(item: EvidenceItem, sequences: dict[int, int]) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "kind": item.kind,
        "version": item.version,
        "subject_type": item.subject_type,
        "subject_id": item.subject_id,
        "file_name": item.file_name,
        "link_url": item.link_url,
        "sha256": item.sha256,
        "size": item.size,
        "audit_sequence": sequences.get(item.pk),
    }


def _provenance(generated_at: dt.datetime, ledger: tuple[int, str]) -> dict[str, Any]:
    return {
        "generated_at": to_jsonable(generated_at),
        "ledger_head": {"sequence": ledger[0], "hash": ledger[1]},
    }


# --- JSON -------------------------------------------------------------------------------------


def dossier_json(doc: Dossier) -> dict[str, Any]:
    system = doc.system
    return {
        "system": {
            "id": system.pk,
            "slug": system.slug,
            "name": system.name,
            "risk_tier": system.risk_tier,
            "ai_act_role": system.ai_act_role,
            "lifecycle": system.lifecycle,
        },
        **_provenance(doc.generated_at, (doc.ledger_sequence, doc.ledger_hash)),
        "score": doc.score,
        "score_rule": "complete sections count 1, partial ½, missing 0; percent of all sections",
        "sections": [
            {
                "key": s.key,
                "number": s.number,
                "title": s.title,
                "reference": s.reference,
                "status": s.status,
                "checks_met": s.met,
                "checks": len(s.checks),
                "missing": [{"text": g.text, "fix_url": g.url} for g in s.gaps],
                "narrative": s.narrative,
                "evidence": [i.pk for i in s.evidence],
                "contributions": [
                    {"title": c.title, "facts": [list(f) for f in c.facts]} for c in s.contributions
                ],
            }
            for s in doc.sections
        ],
        "versions": [
            {
                "id": row.version.pk,
                "model": row.version.model.name,
                "version": row.version.version,
                "status": row.version.status,
                "current": row.current,
                "artifact_sha256": row.version.artifact_sha256,
                "model_card": row.card is not None,
                "lineage": cards.lineage_json(row.lineage),
                "metrics": row.metrics,
            }
            for row in doc.versions
        ],
        "approvals": [
            {
                "id": a.pk,
                "model_version": a.model_version_id,
                "environment": a.environment,
                "status": a.status,
                "decided_at": to_jsonable(a.decided_at),
                "signoffs": [
                    {
                        "function": s.function,
                        "decision": s.decision,
                        "reviewer": s.reviewer.get_username(),
                        "conditions": s.conditions,
                        "round": s.round,
                    }
                    for s in a.signoffs.all()
                ],
            }
            for a in doc.approvals
        ],
        "reviews": [
            {
                "id": r.pk,
                "function": r.function,
                "status": r.status,
                "rating": r.rating,
                "completed_at": to_jsonable(r.completed_at),
                "recommendation": r.recommendation,
            }
            for r in doc.reviews
        ],
        "findings": [
            {
                "id": f.pk,
                "title": f.title,
                "category": f.category,
                "residual_rating": f.residual_rating,
                "status": f.status,
                "mitigation": f.mitigation,
            }
            for f in doc.findings
        ],
        "incidents": [
            {
                "id": i.pk,
                "title": i.title,
                "severity": i.severity,
                "status": i.status,
                "is_serious": i.is_serious,
                "reported_at": to_jsonable(i.reported_at),
            }
            for i in doc.incidents
        ],
        "history": {
            "events": doc.history.total,
            "first_sequence": doc.history.first_sequence,
            "last_sequence": doc.history.last_sequence,
            "by_action": dict(doc.history.by_action),
        },
        "evidence": [evidence_json(i, doc.evidence_sequences) for i in doc.cited],
    }


def card_json(view: CardView, evidence: list[EvidenceItem] | None = None) -> dict[str, Any]:
    evidence = evidence or []
    sequences = evidence_sequences(evidence)
    card = view.card
    return {
        "model_version": view.version.pk,
        "model": view.version.model.name,
        "version": view.version.version,
        "system": view.system.pk,
        "stored": view.stored,
        "frozen": view.frozen,
        "frozen_reason": view.frozen_reason,
        **{f: view.fields[f] for f in CARD_FIELDS},
        "lineage": cards.lineage_json(view.lineage),
        "updated_at": to_jsonable(card.updated_at) if card else None,
        "updated_by": card.updated_by.get_username() if card and card.updated_by else None,
        "evidence": [evidence_json(i, sequences) for i in evidence],
    }


def fria_json(fria: FundamentalRightsAssessment) -> dict[str, Any]:
    dpia = [fria.dpia] if fria.dpia_id else []
    sequences = evidence_sequences(dpia)
    return {
        "id": fria.pk,
        "system": fria.system_id,
        "number": fria.number,
        "status": fria.status,
        "status_reason": fria.status_reason,
        "round": fria.round,
        **{f: getattr(fria, f) for f in assessments.FRIA_FIELDS},
        "dpia": evidence_json(fria.dpia, sequences) if fria.dpia_id else None,
        "assessed_risk_tier": fria.assessed_risk_tier,
        "submitted_at": to_jsonable(fria.submitted_at),
        "approved_at": to_jsonable(fria.approved_at),
        "outdated_at": to_jsonable(fria.outdated_at),
        "signoffs": [
            {
                "round": s.round,
                "function": s.function,
                "decision": s.decision,
                "reviewer": s.reviewer.get_username(),
                "comment": s.comment,
                "created_at": to_jsonable(s.created_at),
            }
            for s in fria.signoffs.all()
        ],
        "updated_at": to_jsonable(fria.updated_at),
    }


def registration_json(entry: registration.Entry, record: Any) -> dict[str, Any]:
    system = entry.system
    return {
        "system": system.pk,
        "name": system.name,
        "ai_act_role": system.ai_act_role,
        "annex_viii_section": entry.section,
        "stored": record is not None,
        "complete": entry.complete,
        "missing": [{"field": f.key, "label": f.label, "point": f.point} for f in entry.missing],
        "prefilled": entry.prefilled,
        "data": entry.values,
        "fields": [
            {
                "key": f.key,
                "label": f.label,
                "point": f.point,
                "kind": f.kind,
                "required": f.required,
            }
            for f in entry.fields
        ],
        "updated_at": to_jsonable(record.updated_at) if record else None,
        **_provenance(timezone.now(), ledger_head()),
    }


# --- PDF --------------------------------------------------------------------------------------


@dataclass
class RenderedPDF:
    content: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def render_pdf(
    template: str, context: dict[str, Any], progress: Progress | None = None
) -> RenderedPDF:
    """Lay ``template`` out with WeasyPrint and write the PDF. Fonts and images come from the
    machine (Debian's fonts): nothing is fetched."""
    from weasyprint import HTML

    def tell(percent: int, stage: str) -> None:
        if progress is not None:
            progress(percent, stage)

    tell(35, "Writing the document")
    html = render_to_string(template, context)
    tell(45, "Laying out the pages")
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    tell(85, f"Writing {len(document.pages)} pages")
    content = document.write_pdf()
    return RenderedPDF(content=content, pages=len(document.pages))


def technical_documentation_pdf(doc: Dossier, progress: Progress | None = None) -> RenderedPDF:
    context = {
        "doc": doc,
        "title": "Technical documentation",
        "subtitle": "EU AI Act Article 11 and Annex IV",
        "conditions": approval_conditions(doc),
        "cited": [(i, doc.evidence_sequences.get(i.pk)) for i in doc.cited],
        "generated_at": doc.generated_at,
        "ledger": (doc.ledger_sequence, doc.ledger_hash),
    }
    return render_pdf("documents/pdf/technical_documentation.html", context, progress)


def model_card_pdf(
    view: CardView, evidence: list[EvidenceItem], progress: Progress | None = None
) -> RenderedPDF:
    sequences = evidence_sequences(evidence)
    context = {
        "view": view,
        "title": "Model card",
        "subtitle": f"{view.version.model.name} v{view.version.version}",
        "labels": cards.CARD_LABELS,
        "text_fields": [(cards.CARD_LABELS[f], view.fields[f]) for f in cards.CARD_TEXT_FIELDS],
        "cited": [(i, sequences.get(i.pk)) for i in evidence],
        "generated_at": timezone.now(),
        "ledger": ledger_head(),
    }
    return render_pdf("documents/pdf/model_card.html", context, progress)


def fria_pdf(fria: FundamentalRightsAssessment, progress: Progress | None = None) -> RenderedPDF:
    cited = [fria.dpia] if fria.dpia_id else []
    sequences = evidence_sequences(cited)
    context = {
        "fria": fria,
        "title": "Fundamental-rights impact assessment",
        "subtitle": f"FRIA #{fria.number} of {fria.system.name} — EU AI Act Article 27",
        "fields": [(assessments.FRIA_LABELS[f], getattr(fria, f)) for f in assessments.FRIA_FIELDS],
        "cited": [(i, sequences.get(i.pk)) for i in cited],
        "generated_at": timezone.now(),
        "ledger": ledger_head(),
    }
    return render_pdf("documents/pdf/fria.html", context, progress)
