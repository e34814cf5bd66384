"""A document job's life on the worker: claimed, moved on, finished or failed. Apart from the
services so that building a PDF (``build``) needs none of the services that queue it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from governance.documents.choices import JobStatus
from governance.documents.models import (
    DocumentJob,
)
from registry.audit import services as audit


def document_job_progress(job: DocumentJob, percent: int, stage: str) -> None:
    """Move a running job's progress on (not audited: it is a display of work under way; the
    job's outcome is)."""
    DocumentJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        progress=max(0, min(percent, 99)), stage=stage[:200]
    )


def document_job_start(job_id: int, *, now: dt.datetime | None = None) -> DocumentJob | None:
    """Claim a queued job for this worker (None if another took it or it is finished)."""
    now = now or timezone.now()
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None
        job.status = JobStatus.RUNNING
        job.started_at = now
        job.stage = "Reading the record"
        job.progress = 1
        job.save(update_fields=["status", "started_at", "stage", "progress"])
    return job


@transaction.atomic
def document_job_finish(
    *,
    job: DocumentJob,
    storage_key: str,
    file_name: str,
    size: int,
    sha256: str,
    pages: int,
    ledger: tuple[int, str],
    now: dt.datetime | None = None,
) -> DocumentJob:
    """Record the built PDF on its job, with its digest and the ledger head it was built from
    (so that a copy handed to an authority can be matched to the record)."""
    now = now or timezone.now()
    job = DocumentJob.objects.select_for_update().get(pk=job.pk)
    job.status = JobStatus.DONE
    job.progress = 100
    job.stage = "Done"
    job.storage_key, job.file_name, job.size, job.sha256, job.pages = (
        storage_key,
        file_name,
        size,
        sha256,
        pages,
    )
    job.ledger_sequence, job.ledger_hash = ledger
    job.finished_at = now
    job.save()
    audit.record(
        actor=job.requested_by,
        action="governance.document.generated",
        obj=job,
        changes={
            "kind": job.kind,
            "subject_id": job.subject_id,
            "sha256": sha256,
            "size": size,
            "pages": pages,
            "ledger_sequence": ledger[0],
            "ledger_hash": ledger[1],
        },
        now=now,
    )
    return job


@transaction.atomic
def document_job_fail(*, job: DocumentJob, error: str, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    job = DocumentJob.objects.select_for_update().get(pk=job.pk)
    if job.finished:
        return
    job.status = JobStatus.FAILED
    job.error = error[:2000]
    job.stage = "Failed"
    job.finished_at = now
    job.save()
    audit.record(
        actor=job.requested_by,
        action="governance.document.failed",
        obj=job,
        changes={"kind": job.kind, "subject_id": job.subject_id, "error": job.error},
        now=now,
    )
