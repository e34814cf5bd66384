"""Files to attach as evidence in tests, made on the spot: real PDFs, Office archives (and zip
bombs shaped like them), HTML with and without scripts; and a helper to attach one through the
API."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import check

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"% filler\n" * 200 + b"%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
CLEAN_HTML = (
    b"<!DOCTYPE html><html><head><title>Notebook</title><style>p{color:red}</style></head>"
    b"<body><h1>Bias test</h1><p>AUC 0.91 on every slice.</p><a href='https://x.test/'>run</a>"
    b"</body></html>"
)

_OFFICE_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}


def office(kind: str = "docx", *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Office Open XML archive of ``kind`` (docx, xlsx, pptx)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(_OFFICE_PARTS[kind], '<?xml version="1.0"?><document>Report</document>')
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(kind: str = "docx", size: int = 20 * 1024 * 1024) -> bytes:
    """An Office archive with a part that expands from a few kilobytes to ``size`` bytes."""
    return office(kind, extra={"word/media/padding.bin": b"\0" * size})


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def attach(
    client,
    subject_type: str,
    subject_id: int,
    name="report.pdf",
    data=PDF,
    headers: dict | None = None,
    **fields,
):
    """POST a file through the API (multipart); return the response."""
    body = {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "title": "Validation report",
        "kind": "validation_report",
        "file": upload(name, data),
        **fields,
    }
    return client.post("/api/v1/evidence/", body, format="multipart", **(headers or {}))


def attached(client, subject_type: str, subject_id: int, **kwargs) -> dict:
    return check(attach(client, subject_type, subject_id, **kwargs), 201)


def stored_files(folder) -> list:
    """Every file under the evidence storage directory of the test."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
