"""The audit trail over the API: the ledger (``audit-events/``), its verification, its export as
CSV or JSON Lines, and ``…/{id}/history/`` for any resource that mixes in ``AuditHistoryMixin``.

Auditors, compliance and executives (and superusers) read, verify and export the whole ledger;
everyone signed in reads the history of the objects they can see."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

import django_filters as df
from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from registry.api.filtersets import FilterSet, IdFilter
from registry.api.pagination import StandardPagination, StrictCursorPagination
from registry.audit import permissions
from registry.audit import selectors as audit_selectors
from registry.audit.choices import AuditSource
from registry.audit.models import PAYLOAD_FIELDS, AuditEvent
from registry.audit.services import to_jsonable
from registry.audit.verify import verify_ledger

# --- Serializers ------------------------------------------------------------------------------


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [*("actor" if name == "actor_id" else name for name in PAYLOAD_FIELDS), "hash"]
        read_only_fields = fields


class AuditEventPageSerializer(serializers.Serializer):
    """One page of an object's history (the shape of every page-numbered list)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AuditEventSerializer(many=True)


class AuditProblemSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()


class AuditVerifySerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    count = serializers.IntegerField(help_text="Events checked.")
    head_sequence = serializers.IntegerField()
    head_hash = serializers.CharField()
    first_bad_sequence = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    checkpoints_checked = serializers.IntegerField()
    problems = AuditProblemSerializer(many=True)


# --- Filters ----------------------------------------------------------------------------------


class AuditEventFilter(FilterSet):
    actor = df.CharFilter(field_name="actor__username", label="Username of the actor")
    action = df.CharFilter(label="Action, e.g. registry.system.updated")
    action_prefix = df.CharFilter(
        field_name="action", lookup_expr="startswith", label="Action prefix, e.g. registry.system."
    )
    object_type = df.CharFilter(label="Object type, e.g. registry.aisystem")
    object_id = df.CharFilter()
    source = df.ChoiceFilter(choices=AuditSource.choices)
    request_id = df.CharFilter()
    created_after = df.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = df.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    after_sequence = IdFilter(
        field_name="sequence",
        lookup_expr="gt",
        min_value=0,
        label="Only events after this sequence number",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "actor",
            "action",
            "action_prefix",
            "object_type",
            "object_id",
            "source",
            "request_id",
            "created_after",
            "created_before",
            "after_sequence",
        ]


# --- Permissions and renderers ----------------------------------------------------------------


class CanReadAuditTrail(BasePermission):
    message = "Only auditors, compliance and executives read the whole audit trail."

    def has_permission(self, request, view) -> bool:
        return permissions.can_read_audit_trail(request.user)


class _ExportRenderer(BaseRenderer):
    """Names an export format for content negotiation (``?format=`` or ``Accept``). The export
    itself streams; only an error body is ever rendered here, and as JSON (see
    ``finalize_response``)."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


class CSVRenderer(_ExportRenderer):
    media_type = "text/csv"
    format = "csv"


class JSONLinesRenderer(_ExportRenderer):
    media_type = "application/x-ndjson"
    format = "jsonl"


class _Echo:
    """A file-like object whose ``write`` returns what it is given: lets ``csv.writer`` produce
    one line at a time for a streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(audit_selectors.export_columns())
    for row in rows:
        values = []
        for name, value in row.items():
            if name == "changes":
                value = json.dumps(value, sort_keys=True, ensure_ascii=False)
            elif name == "created_at":
                value = to_jsonable(value)
            values.append("" if value is None else value)
        yield writer.writerow(values)


def _jsonl_lines(rows: Iterable[dict]) -> Iterator[str]:
    for row in rows:
        row["created_at"] = to_jsonable(row["created_at"])
        yield json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"


# --- Views ------------------------------------------------------------------------------------


class AuditEventPagination(StrictCursorPagination):
    """The ledger grows without bound: pages follow a cursor on the sequence number, so that a
    page costs the same at any depth and no page counts the whole table."""

    ordering = "-sequence"


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The audit ledger, newest first (``ordering=sequence`` for oldest first), in pages that
    follow ``next`` (a cursor). Filter by actor, action, object, source, request id and time;
    ``verify/`` checks the chain and the signed checkpoints; ``export/`` streams it."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    permission_classes = [IsAuthenticated, CanReadAuditTrail]
    pagination_class = AuditEventPagination
    ordering_fields = ["sequence"]
    lookup_field = "sequence"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return audit_selectors.audit_event_list()

    @extend_schema(request=None, responses=AuditVerifySerializer, filters=False)
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def verify(self, request):
        """Walk the whole chain and every signed checkpoint; name the first bad sequence."""
        result = verify_ledger(checkpoint_dir=settings.STEWARD_AUDIT_CHECKPOINT_DIR)
        return Response(AuditVerifySerializer(result.as_dict()).data)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["jsonl", "csv"])],
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        renderer_classes=[JSONLinesRenderer, CSVRenderer],
        pagination_class=None,
    )
    def export(self, request):
        """Stream the (filtered) ledger oldest first, every column included, as JSON Lines
        (default) or CSV."""
        events = self.filter_queryset(self.get_queryset())
        if not request.query_params.get("ordering"):
            events = events.order_by("sequence")
        rows = audit_selectors.audit_export_rows(events)
        renderer = request.accepted_renderer
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        if renderer.format == "csv":
            response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv")
        else:
            response = StreamingHttpResponse(
                _jsonl_lines(rows), content_type="application/x-ndjson"
            )
        response["Content-Disposition"] = (
            f'attachment; filename="steward-audit-{stamp}.{renderer.format}"'
        )
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "action", None) == "export" and isinstance(response, Response):
            # An error from the export endpoint is JSON like every other error.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


# ``AuditHistoryMixin`` adds ``GET {resource}/{id}/history/`` to a viewset: the audit events
# recorded about one object, newest first, paginated. ``get_object()`` applies the viewset's own
# visibility, so an object the user may not see is a 404 here too. Mix it into any viewset of
# audited objects (approvals and reviews too). The class has no docstring on purpose: a viewset
# without its own would inherit it as the description of all its operations in the schema.
class AuditHistoryMixin:
    @extend_schema(
        request=None,
        responses=AuditEventPageSerializer,
        filters=False,
        parameters=[
            OpenApiParameter(p["name"], p["schema"], description=p["description"])
            for p in StandardPagination().get_schema_operation_parameters(None)
        ],
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=StandardPagination,
    )
    def history(self, request, *args, **kwargs):
        """The audit events recorded about this object, newest first."""
        obj = self.get_object()
        page = self.paginate_queryset(audit_selectors.audit_history(obj))
        data = AuditEventSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)
