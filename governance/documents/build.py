"""Building a document's PDF: for a request answered at once (a model card, an assessment) and
for a background job (a dossier), through the same functions."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.http import FileResponse, HttpResponse
from django.utils import timezone

from governance.documents import cards, exports, jobs
from governance.documents.choices import DocumentKind
from governance.documents.completeness import dossier
from governance.documents.dossier import PDF_EVENTS
from governance.documents.exports import Progress, RenderedPDF
from governance.documents.models import DocumentJob, FundamentalRightsAssessment
from registry.evidence import selectors as evidence_selectors
from registry.evidence import storage
from registry.evidence.choices import EvidenceStatus, SubjectType
from registry.inventory import selectors as inventory_selectors


def file_name(kind: str, label: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return f"{kind.replace('_', '-')}-{label}-{stamp}.pdf"


def version_evidence(version: Any, user: Any) -> list:
    """The evidence in force on a version that ``user`` sees: what its card cites."""
    return list(
        evidence_selectors.evidence_visible_to(user)
        .filter(
            subject_type=SubjectType.MODEL_VERSION,
            subject_id=version.pk,
            status=EvidenceStatus.CURRENT,
        )
        .order_by("pk")
    )


def build(
    kind: str, subject_id: int, user: Any, progress: Progress | None = None
) -> tuple[RenderedPDF, str, tuple[int, str]]:
    """The PDF of a document as ``user`` may read it, its file name and the ledger head it was
    built from."""
    if kind == DocumentKind.TECHNICAL_DOCUMENTATION:
        system = inventory_selectors.system_list().get(pk=subject_id)
        doc = dossier(system, user=user, events=PDF_EVENTS)
        if progress:
            progress(30, "Assembled the record")
        pdf = exports.technical_documentation_pdf(doc, progress)
        return pdf, file_name(kind, system.slug), (doc.ledger_sequence, doc.ledger_hash)
    if kind == DocumentKind.MODEL_CARD:
        version = inventory_selectors.version_list().get(pk=subject_id)
        ledger = exports.ledger_head()
        view = cards.card_view(version)
        pdf = exports.model_card_pdf(view, version_evidence(version, user), progress)
        label = f"{version.model.name}-{version.version}"
        return pdf, file_name(kind, label), ledger
    fria = (
        FundamentalRightsAssessment.objects.select_related("system", "dpia")
        .prefetch_related("signoffs__reviewer")
        .get(pk=subject_id)
    )
    ledger = exports.ledger_head()
    pdf = exports.fria_pdf(fria, progress)
    return pdf, file_name(kind, f"{fria.system.slug}-{fria.number}"), ledger


def run_job(job: DocumentJob) -> DocumentJob:
    """Build a claimed job's PDF, reporting progress on it, store it and record it."""

    def progress(percent: int, stage: str) -> None:
        jobs.document_job_progress(job, percent, stage)

    pdf, name, ledger = build(job.kind, job.subject_id, job.requested_by, progress)
    progress(95, "Storing the file")
    key = f"documents/{timezone.now():%Y/%m}/job-{job.pk}-{pdf.sha256[:16]}.pdf"
    stored = storage.evidence_storage().save(key, ContentFile(pdf.content))
    try:
        return jobs.document_job_finish(
            job=job,
            storage_key=stored,
            file_name=name,
            size=len(pdf.content),
            sha256=pdf.sha256,
            pages=pdf.pages,
            ledger=ledger,
        )
    except BaseException:
        storage.delete(stored)
        raise


def pdf_file_response(job: DocumentJob) -> FileResponse:
    body = storage.evidence_storage().open(job.storage_key, "rb")
    response = FileResponse(
        body, as_attachment=True, filename=job.file_name, content_type="application/pdf"
    )
    response["Content-Length"] = str(job.size)
    response["ETag"] = f'"{job.sha256}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    return response


def pdf_response(kind: str, subject_id: int, user: Any) -> HttpResponse:
    """A small document's PDF, built while the request waits."""
    pdf, name, ledger = build(kind, subject_id, user)
    response = HttpResponse(pdf.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["ETag"] = f'"{pdf.sha256}"'
    response["X-Steward-Ledger-Sequence"] = str(ledger[0])
    response["X-Content-Type-Options"] = "nosniff"
    return response
