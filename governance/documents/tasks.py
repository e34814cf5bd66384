"""Celery tasks of the documents: building a PDF in the background. Thin: claim the job, build,
record; a job another worker claimed, or one already finished, is left alone, so running the
task twice does nothing twice."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from governance.documents import build, jobs
from registry.audit.choices import AuditSource
from registry.audit.services import audit_context

logger = logging.getLogger(__name__)


@shared_task(
    name="governance.documents.render_document",
    bind=True,
    acks_late=True,
    soft_time_limit=540,
    time_limit=600,
)
def render_document(self: Any, job_id: int) -> dict[str, Any]:
    """Build the PDF of job ``job_id``; a failure is recorded on the job, with its reason."""
    request_id = f"task-{self.request.id}" if self.request.id else ""
    with audit_context(source=AuditSource.TASK, request_id=request_id):
        job = jobs.document_job_start(job_id)
        if job is None:
            return {"job": job_id, "status": "not queued"}
        try:
            job = build.run_job(job)
        except Exception as exc:
            # Recorded on the job, which the page shows; a retry would fail the same way.
            logger.exception("Document job %s failed", job_id)
            jobs.document_job_fail(job=job, error=f"{type(exc).__name__}: {exc}")
            return {"job": job_id, "status": "failed"}
    return {"job": job_id, "status": job.status, "pages": job.pages, "sha256": job.sha256}
