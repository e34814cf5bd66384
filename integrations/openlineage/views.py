"""``POST /api/v1/lineage``: OpenLineage events in, as Marquez takes them — 201 when recorded,
400 with the field and the reason when the event is invalid (or would close a lineage cycle)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.openlineage import services
from integrations.openlineage.parsing import LineageJSONParser, parse_event
from registry.core.exceptions import ConflictError


class LineageView(APIView):
    """Receive one OpenLineage RunEvent (or JobEvent, or DatasetEvent). Datasets, edges, owners
    and a model version's training data are recorded through the registry's services; posting
    the same event again changes nothing. The poster needs the engineer role."""

    permission_classes = [IsAuthenticated]
    parser_classes = [LineageJSONParser]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiResponse(OpenApiTypes.OBJECT, description="What was recorded.")},
        operation_id="openlineage_event_create",
        tags=["lineage"],
    )
    def post(self, request: Request) -> Response:
        event = parse_event(request.data)
        try:
            result = services.lineage_event_ingest(actor=request.user, event=event)
        except ConflictError as exc:
            if exc.code == "cycle":
                raise exceptions.ValidationError({"outputs": [exc.message]}) from exc
            raise
        body = {
            "datasets": [
                {"id": d.pk, "namespace": d.namespace, "name": d.name, "created": created}
                for d, created in result.datasets
            ],
            "edges": [
                {"id": e.pk, "source": e.source_id, "target": e.target_id, "created": created}
                for e, created in result.edges
            ],
            "model_versions": [mv.pk for mv in result.versions],
            "warnings": result.warnings,
        }
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(post=extend_schema(exclude=True))
class LineageSlashView(LineageView):
    """``/api/v1/lineage/`` too, for clients configured with a trailing slash; documented once,
    without it."""
