"""Evidence endpoints: thin, one service call each. The list and every item are restricted to
what the user may see before a view runs (404 otherwise); the services decide what they may do
(403 otherwise)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated

from registry.api.idempotency import run_idempotent
from registry.api.parsers import JSONParser
from registry.api.views import CreateMixin, RetrieveMixin, ServiceViewSet
from registry.evidence import downloads, selectors, services, uploads
from registry.evidence.api import serializers as s
from registry.evidence.api.filtersets import EvidenceFilter
from registry.evidence.uploads import use_evidence_upload_handler


class EvidenceViewSet(RetrieveMixin, CreateMixin, mixins.ListModelMixin, ServiceViewSet):
    """Evidence files and links attached to systems, versions, datasets, approvals, reviews,
    findings and incidents. Immutable: a correction is a new version; withdrawing keeps the
    item in the record."""

    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilter
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, JSONParser]
    # Uploads may be larger than other bodies (the body-limit middleware asks).
    body_limit = staticmethod(uploads.body_limit)
    ordering_fields = ["created_at", "title", "kind"]
    search_fields = ["title", "description", "author", "file_name"]

    def initial(self, request, *args, **kwargs):
        # Before authentication: session authentication's CSRF check reads a form body.
        use_evidence_upload_handler(request._request)
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.evidence_visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return s.EvidenceCreateSerializer
        return super().get_serializer_class()

    def create_object(self, data):
        return services.evidence_attach(actor=self.request.user, **data)

    @extend_schema(
        request={
            "multipart/form-data": s.EvidenceCreateSerializer,
            "application/json": s.EvidenceLinkCreateSerializer,
        },
        responses={201: s.EvidenceSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Attach a file (multipart/form-data, the file in ``file``) or a link (JSON with
        ``link_url``). The file's SHA-256, size and the type sniffed from its content are
        recorded in the audit chain. Refused: a content that does not match the name, programs,
        HTML with scripts, Office files that would expand absurdly (400), a file over
        ``STEWARD_EVIDENCE_MAX_BYTES`` (413)."""
        return super().create(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, as an attachment."
            )
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file, as an attachment with its sniffed type, ``nosniff`` and a sandboxing
        CSP. Downloads of restricted evidence are recorded in the audit trail. A link has no
        file (409)."""
        return downloads.download(request.user, self.get_object())

    @extend_schema(
        request={
            "multipart/form-data": s.EvidenceVersionSerializer,
            "application/json": s.EvidenceLinkVersionSerializer,
        },
        responses={201: s.EvidenceSerializer},
    )
    @action(detail=True, methods=["post"])
    def versions(self, request, pk=None):
        """A new version of the item (a corrected file or link), superseding the current one,
        which stays downloadable. Approvals whose sign-offs cited the current one are
        invalidated."""
        item = self.get_object()

        def supersede():
            serializer = s.EvidenceVersionSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            new = services.evidence_supersede(
                actor=request.user, item=item, **serializer.validated_data
            )
            return self.respond_with(new, status.HTTP_201_CREATED)

        return run_idempotent(request, supersede)

    @extend_schema(request=s.EvidenceWithdrawSerializer, responses=s.EvidenceSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw the item, with the reason: it stays in the record, marked withdrawn.
        Approvals whose sign-offs cited it are invalidated."""
        item = self.get_object()
        serializer = s.EvidenceWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.evidence_withdraw(
            actor=request.user, item=item, reason=serializer.validated_data["reason"]
        )
        return self.respond_with(item)
