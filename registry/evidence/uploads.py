"""The upload handler of evidence requests (API and pages alike).

Django hands a multipart body to its upload handlers chunk by chunk. This one takes the single
``file`` field and, as each chunk arrives, feeds the :class:`~registry.evidence.content.Inspector`
(digest, size, sniffed type, script and size checks) and spools it to a temporary file on disk:
memory stays flat whatever the file's size, and nothing reaches evidence storage until the
service has checked everything. A body whose declared length is over the limit is refused (413)
before a byte of it is read; one without an honest length as soon as it passes the limit. An
upload cut off half-way leaves its temporary file deleted and nothing else.

Install it before anything reads the body: ``use_evidence_upload_handler(request)``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest

from registry.core.exceptions import PayloadTooLargeError
from registry.evidence import storage
from registry.evidence.content import ContentRefused, Inspection, Inspector, clean_file_name

# The form fields beside the file (title, kind, description …) may add this much to the body.
FORM_ALLOWANCE = 1024 * 1024
FILE_FIELD = "file"


class InspectedUpload(TemporaryUploadedFile):
    """An uploaded file spooled to disk as it arrived, with what inspecting it found."""

    inspection: Inspection | None = None

    @property
    def sha256(self) -> str | None:
        return self.inspection.sha256 if self.inspection else None


def body_limit(meta: dict[str, Any]) -> int:
    """The largest body an evidence request may send (``meta``: the request's META): a multipart
    upload, the file and its form fields; anything else (a link as JSON) the API's usual limit.
    The body-limit middleware asks the upload views for it (their ``body_limit`` attribute)."""
    if meta.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return settings.STEWARD_EVIDENCE_MAX_BYTES + FORM_ALLOWANCE
    return settings.STEWARD_MAX_BODY_BYTES


def new_inspector(name: str) -> Inspector:
    return Inspector(
        name,
        max_bytes=settings.STEWARD_EVIDENCE_MAX_BYTES,
        max_unzipped_bytes=settings.STEWARD_EVIDENCE_MAX_UNZIPPED_BYTES,
    )


class EvidenceUploadHandler(FileUploadHandler):
    chunk_size = 256 * 1024

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.upload: InspectedUpload | None = None
        self.inspector: Inspector | None = None

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding=None
    ) -> None:
        # Outside any transaction: the files of uploads that rolled back earlier can go now.
        storage.discard_uncommitted()
        if content_length > settings.STEWARD_EVIDENCE_MAX_BYTES + FORM_ALLOWANCE:
            raise PayloadTooLargeError(
                f"The upload is {content_length} bytes, over the limit of "
                f"{settings.STEWARD_EVIDENCE_MAX_BYTES} bytes for a file.",
                field=FILE_FIELD,
            )

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        if field_name != FILE_FIELD or self.upload is not None:
            self._discard()
            raise ContentRefused("Send one file, in the 'file' field.", code="one_file")
        name = clean_file_name(file_name)
        self.inspector = new_inspector(name)  # a program's or an unknown type's name: refused
        self.upload = InspectedUpload(name, self.content_type, 0, self.charset)
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        try:
            self.inspector.feed(raw_data)
            self.upload.write(raw_data)
        except BaseException:
            self._discard()
            raise

    def file_complete(self, file_size: int) -> InspectedUpload:
        try:
            self.upload.flush()
            self.upload.size = file_size
            self.upload.inspection = self.inspector.finish(self.upload.file)
        except BaseException:
            self._discard()
            raise
        self.upload.seek(0)
        return self.upload

    def upload_interrupted(self) -> None:
        self._discard()

    def _discard(self) -> None:
        if self.upload is not None:
            self.upload.close()  # a NamedTemporaryFile: closing deletes it
            self.upload = None


def use_evidence_upload_handler(request: HttpRequest) -> None:
    """Make ``request``'s multipart body go through ``EvidenceUploadHandler`` (only)."""
    request.upload_handlers = [EvidenceUploadHandler(request)]
