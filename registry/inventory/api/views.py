"""API views: thin. They parse with a serializer, call one service, and render the object read
back through its selector (so the response shows what a later GET would)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from registry.api.views import CrudViewSet, RetrieveMixin, ServiceViewSet, UpdateMixin
from registry.audit.api.views import AuditHistoryMixin
from registry.inventory import selectors, services
from registry.inventory.api import filtersets
from registry.inventory.api import serializers as s
from registry.inventory.models import DatasetLineage

# --- Systems, models, versions ----------------------------------------------------------------


class SystemViewSet(AuditHistoryMixin, CrudViewSet):
    serializer_class = s.SystemSerializer
    filterset_class = filtersets.SystemFilter
    search_fields = ["name", "slug", "purpose", "business_unit", "vendor"]
    ordering_fields = ["name", "risk_tier", "lifecycle", "created_at", "updated_at"]

    def get_queryset(self):
        return selectors.system_list()

    def create_object(self, data):
        return services.system_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.system_update(
            actor=self.request.user, system=instance, data=data, if_match=self.if_match
        )


class ModelViewSet(AuditHistoryMixin, CrudViewSet):
    serializer_class = s.ModelSerializer
    update_serializer_class = s.ModelUpdateSerializer
    filterset_class = filtersets.ModelFilter
    search_fields = ["name", "description", "task", "framework"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.model_list()

    def create_object(self, data):
        return services.model_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.model_update(
            actor=self.request.user, model=instance, data=data, if_match=self.if_match
        )

    @extend_schema(request=s.ModelMoveSerializer, responses=s.ModelSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the model, with its versions, to another system (both must be yours to
        register under). Open approvals of its versions are invalidated."""
        model = self.get_object()
        serializer = s.ModelMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.model_move(
            actor=request.user,
            model=model,
            system=serializer.validated_data["system"],
            if_match=self.if_match,
        )
        return self.respond_with(model)


def _dataset_links(data: dict) -> list | None:
    links = data.pop("dataset_links", None)
    if links is None:
        return None
    return [(link["dataset"], link["role"]) for link in links]


class ModelVersionViewSet(AuditHistoryMixin, CrudViewSet):
    serializer_class = s.ModelVersionSerializer
    update_serializer_class = s.ModelVersionUpdateSerializer
    filterset_class = filtersets.ModelVersionFilter
    search_fields = ["version", "model__name", "run_id", "source_commit"]
    ordering_fields = ["created_at", "version"]

    def get_queryset(self):
        return selectors.version_list()

    def create_object(self, data):
        links = _dataset_links(data) or []
        return services.version_create(actor=self.request.user, datasets=links, **data)

    def update_object(self, instance, data):
        links = _dataset_links(data)
        return services.version_update(
            actor=self.request.user,
            version=instance,
            data=data,
            datasets=links,
            if_match=self.if_match,
        )

    @extend_schema(
        parameters=[OpenApiParameter("depth", int, description="Hops from the version (1 to 20).")],
        responses=s.VersionLineageSerializer,
    )
    @action(detail=True, methods=["get"])
    def lineage(self, request, pk=None):
        version = self.get_object()
        depth = _depth_param(request)
        links, graph = selectors.version_upstream(version, depth=depth)
        return Response(
            {
                "model_version": version.pk,
                "datasets": s.DatasetLinkSerializer(links, many=True).data,
                **_graph_payload(graph),
            }
        )


# --- Datasets and lineage ---------------------------------------------------------------------


def _depth_param(request) -> int:
    try:
        return selectors.clamp_depth(request.query_params.get("depth"))
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            {"depth": [str(exc) if "between" in str(exc) else "A whole number is required."]}
        ) from exc


def _graph_payload(graph: selectors.LineageGraph) -> dict:
    nodes = []
    for pk in sorted(graph.nodes, key=lambda k: (graph.distance[k], k)):
        node = graph.nodes[pk]
        node.distance = graph.distance[pk]
        nodes.append(node)
    return {
        "direction": graph.direction,
        "depth": graph.depth,
        "truncated": graph.truncated,
        "nodes": s.LineageNodeSerializer(nodes, many=True).data,
        "edges": s.LineageEdgeSerializer(graph.edges, many=True).data,
    }


class DatasetViewSet(AuditHistoryMixin, CrudViewSet):
    serializer_class = s.DatasetSerializer
    update_serializer_class = s.DatasetUpdateSerializer
    filterset_class = filtersets.DatasetFilter
    search_fields = ["namespace", "name", "description"]
    ordering_fields = ["namespace", "name", "created_at"]

    def get_queryset(self):
        return selectors.dataset_list()

    def create_object(self, data):
        return services.dataset_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.dataset_update(
            actor=self.request.user, dataset=instance, data=data, if_match=self.if_match
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("direction", str, enum=["upstream", "downstream"]),
            OpenApiParameter("depth", int, description="Hops to follow (1 to 20, default 5)."),
        ],
        responses=s.DatasetLineageSerializer,
    )
    @action(detail=True, methods=["get"])
    def lineage(self, request, pk=None):
        dataset = self.get_object()
        direction = request.query_params.get("direction", "upstream")
        if direction not in ("upstream", "downstream"):
            raise ValidationError({"direction": ["Must be 'upstream' or 'downstream'."]})
        graph = selectors.dataset_lineage(dataset, direction=direction, depth=_depth_param(request))
        return Response({"dataset": dataset.pk, **_graph_payload(graph)})


class LineageEdgeViewSet(RetrieveMixin, mixins.ListModelMixin, ServiceViewSet):
    """Dataset → dataset edges: ``target`` was derived from ``source`` by a job."""

    serializer_class = s.LineageEdgeSerializer
    filterset_class = filtersets.LineageEdgeFilter

    def get_queryset(self):
        return DatasetLineage.objects.all()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        edge, created = services.lineage_record(actor=request.user, **serializer.validated_data)
        return Response(
            s.LineageEdgeSerializer(edge).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Operations -------------------------------------------------------------------------------


class DeploymentViewSet(
    AuditHistoryMixin, RetrieveMixin, UpdateMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Deployments as the registry records them. Creating one goes through the approval gate,
    so the route and the create action belong to governance (governance.api.views)."""

    serializer_class = s.DeploymentSerializer
    update_serializer_class = s.DeploymentUpdateSerializer
    filterset_class = filtersets.DeploymentFilter
    ordering_fields = ["deployed_at", "created_at"]

    def get_queryset(self):
        return selectors.deployment_list()

    def update_object(self, instance, data):
        return services.deployment_update(actor=self.request.user, deployment=instance, data=data)


class IncidentViewSet(CrudViewSet):
    serializer_class = s.IncidentSerializer
    update_serializer_class = s.IncidentUpdateSerializer
    filterset_class = filtersets.IncidentFilter
    search_fields = ["title", "description"]
    ordering_fields = ["opened_at", "severity"]

    def get_queryset(self):
        return selectors.incident_list()

    def create_object(self, data):
        return services.incident_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.incident_update(actor=self.request.user, incident=instance, data=data)
