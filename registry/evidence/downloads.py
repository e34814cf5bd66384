"""Serving an evidence file, for the API and the pages alike.

Always as a download (``Content-Disposition: attachment``), with the type sniffed at upload,
``X-Content-Type-Options: nosniff`` and a CSP that lets nothing run (``sandbox``), so that even
HTML evidence never renders in Steward's origin; streamed from storage in blocks. A download of
restricted evidence is recorded in the audit trail first (who, when, which digest)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import FileResponse

from registry.core.exceptions import ConflictError
from registry.evidence import services, storage
from registry.evidence.models import EvidenceItem

SANDBOX_CSP = "default-src 'none'; sandbox"


def download(user: Any, item: EvidenceItem) -> FileResponse:
    """The response that streams ``item``'s file to ``user``, who may see it (the caller read
    it through ``selectors.evidence_visible_to``)."""
    if item.is_link:
        raise ConflictError(
            f"'{item.title}' is a link, not a file: it is at {item.link_url}", code="link"
        )
    with transaction.atomic():
        body = storage.evidence_storage().open(item.storage_key, "rb")
        if item.restricted:
            try:
                services.evidence_download_record(actor=user, item=item)
            except BaseException:
                body.close()
                raise
    response = FileResponse(
        body, as_attachment=True, filename=item.file_name, content_type=item.content_type
    )
    response["Content-Length"] = str(item.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, no-store" if item.restricted else "private"
    response["ETag"] = f'"{item.sha256}"'
    return response
