"""API views: thin. They parse with a serializer, call one service, and render the object read
back through its selector (so the response shows what a later GET would)."""

from __future__ import annotations

from django.contrib.auth import authenticate, get_user_model
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .. import selectors, services
from ..idempotency import run_idempotent
from ..models import APIToken, DatasetLineage
from ..services._common import etag_for
from . import filtersets
from . import serializers as s
from .audit_views import AuditHistoryMixin
from .permissions import RegistryWritePermission

User = get_user_model()


class ServiceViewSet(viewsets.GenericViewSet):
    """Base of the registry's viewsets: writes go through services, and single-object responses
    carry an ``ETag``. Mix in the actions a resource supports (the router only routes those)."""

    permission_classes = [IsAuthenticated, RegistryWritePermission]
    update_serializer_class = None

    def get_serializer_class(self):
        if self.action in ("update", "partial_update") and self.update_serializer_class:
            return self.update_serializer_class
        return self.serializer_class

    @property
    def if_match(self) -> str | None:
        return self.request.headers.get("If-Match")

    def respond_with(self, obj, status_code=status.HTTP_200_OK) -> Response:
        """Render ``obj`` as read back through the selector, as a later GET would show it."""
        obj = self.get_queryset().get(pk=obj.pk)
        data = self.serializer_class(obj, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        if hasattr(obj, "updated_at"):
            response["ETag"] = etag_for(obj)
        return response


class RetrieveMixin:
    def retrieve(self, request, *args, **kwargs):
        return self.respond_with(self.get_object())


class CreateMixin:
    """``create_object(data)`` calls the service. An ``Idempotency-Key`` header makes a retried
    POST replay the first response instead of creating a second object."""

    def create(self, request, *args, **kwargs):
        return run_idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.create_object(dict(serializer.validated_data))
        return self.respond_with(obj, status.HTTP_201_CREATED)


class UpdateMixin:
    """``update_object(instance, data)`` calls the service, passing ``If-Match`` where the
    resource supports it (412 when it no longer matches)."""

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = self.update_object(instance, dict(serializer.validated_data))
        return self.respond_with(obj)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class CrudViewSet(RetrieveMixin, CreateMixin, UpdateMixin, mixins.ListModelMixin, ServiceViewSet):
    """List, retrieve, create, update: the shape of most registry resources."""


# --- People -----------------------------------------------------------------------------------


class MeView(APIView):
    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.UserSerializer
    queryset = User.objects.order_by("username")
    search_fields = ["username", "first_name", "last_name", "email"]
    filterset_class = filtersets.UserFilter
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]+"


@extend_schema_view(
    members=extend_schema(request=s.TeamMemberSerializer, responses=s.TeamSerializer)
)
class TeamViewSet(CrudViewSet):
    serializer_class = s.TeamSerializer
    filterset_class = filtersets.TeamFilter
    search_fields = ["name", "slug", "description"]
    ordering_fields = ["name", "created_at"]
    permission_classes = [IsAuthenticated]  # the services decide who manages teams

    def get_queryset(self):
        return selectors.team_list().prefetch_related(
            Prefetch("group__user_set", queryset=User.objects.only("id", "username"))
        )

    def create_object(self, data):
        return services.team_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.team_update(
            actor=self.request.user, team=instance, data=data, if_match=self.if_match
        )

    @action(detail=True, methods=["post"], url_path="members")
    def members(self, request, pk=None):
        team = self.get_object()
        serializer = s.TeamMemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.team_add_member(
            actor=request.user, team=team, user=serializer.validated_data["user"]
        )
        return self.respond_with(team)

    @extend_schema(request=None, responses=s.TeamSerializer)
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<username>[\w.@+-]+)")
    def remove_member(self, request, pk=None, username=None):
        team = self.get_object()
        user = get_object_or_404(User, username=username)
        services.team_remove_member(actor=request.user, team=team, user=user)
        return self.respond_with(team)


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


# --- Tokens -----------------------------------------------------------------------------------


class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your API tokens. Create one with your session, an existing token, or your username and
    password in the body (for a pipeline's first token). The secret is shown once."""

    serializer_class = s.TokenSerializer
    throttle_scope = "token_create"

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.action == "create" else []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return APIToken.objects.none()
        # Other people's tokens are not merely forbidden: they do not exist for you (404).
        return APIToken.objects.filter(user=self.request.user).select_related("user")

    @extend_schema(request=s.TokenCreateSerializer, responses={201: s.TokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user if request.user.is_authenticated else None
        if "username" in data or "password" in data:
            user = authenticate(
                request, username=data.get("username", ""), password=data.get("password", "")
            )
            if user is None:
                raise AuthenticationFailed("Invalid username or password.")
        if user is None:
            raise AuthenticationFailed("Sign in, send a token, or give username and password.")
        token, secret = services.token_create(
            actor=user, user=user, name=data["name"], days=data.get("days")
        )
        out = s.TokenCreatedSerializer(token).data
        out["token"] = secret
        return Response(out, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.token_revoke(actor=self.request.user, token=instance)
