"""Serving a pack, for the API and the system page alike: checked, planned and sealed, recorded,
then streamed as an attachment."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse

from registry.inventory.models import AISystem
from registry.pack import builder, permissions, services


def pack_response(user: Any, system: AISystem) -> StreamingHttpResponse:
    """The streaming response of ``system``'s pack for ``user``: 403 if they may not have it,
    409 (``LedgerBrokenError``) if the ledger does not verify, before a byte is sent. The
    manifest's SHA-256 is in ``X-Steward-Manifest-SHA256`` too, to compare with the audit
    trail's record of the download."""
    permissions.require_download_pack(user, system)
    pack = builder.plan_pack(system=system, user=user)
    services.pack_download_record(actor=user, pack=pack)
    response = StreamingHttpResponse(builder.stream_pack(pack), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{pack.filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Steward-Manifest-SHA256"] = pack.manifest_sha256
    return response
