"""``GET /api/v1/systems/{id}/audit-pack/``: the system's auditor pack, streamed as a zip."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.inventory.models import AISystem
from registry.pack import downloads


class ZipRenderer(BaseRenderer):
    """Lets a client ask for ``application/zip``. The pack itself streams; only an error body is
    ever rendered, and as JSON (``finalize_response``)."""

    media_type = "application/zip"
    format = "zip"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class AuditPackView(APIView):
    """A system's auditor pack: its audit events with the chain segment that links them to a
    signed head, the signed checkpoints and public keys, every evidence file you may read with
    its recorded digest, a manifest, a seal and the offline verifier (``verify_pack.py``)."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, ZipRenderer]

    @extend_schema(
        operation_id="v1_systems_audit_pack_retrieve",
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The pack, as an attachment; verify it with "
                "`python verify_pack.py pack.zip` (inside the pack). "
                "`X-Steward-Manifest-SHA256` is the digest the download was recorded with.",
            )
        },
    )
    def get(self, request: Request, system_pk: int):
        """Download the system's auditor pack (auditors, compliance, executives and the system's
        owners; 403 for others). The download is recorded in the audit trail with the
        manifest's digest. 409 if the audit ledger or a signed checkpoint does not verify: no
        pack is sealed over a broken ledger."""
        system = get_object_or_404(AISystem.objects.select_related("owning_team"), pk=system_pk)
        return downloads.pack_response(request.user, system)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            # An error is JSON like every other error, whatever the client accepted.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response
