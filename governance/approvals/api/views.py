"""Approval workflow endpoints: thin, one service call each."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from governance.approvals import selectors as approvals_selectors
from governance.approvals import services
from governance.approvals.api import serializers as s
from governance.approvals.api.filtersets import ApprovalFilter
from registry.api.views import CreateMixin, RetrieveMixin, ServiceViewSet
from registry.inventory.api.views import DeploymentViewSet as RegistryDeploymentViewSet


class ApprovalViewSet(RetrieveMixin, CreateMixin, mixins.ListModelMixin, ServiceViewSet):
    """Deployment approval requests, their sign-offs, withdrawal and resubmission."""

    serializer_class = s.ApprovalSerializer
    filterset_class = ApprovalFilter
    permission_classes = [IsAuthenticated]
    ordering_fields = ["created_at", "due_at"]
    search_fields = ["justification", "model_version__model__name"]

    def get_queryset(self):
        return approvals_selectors.approval_list()

    def create_object(self, data):
        return services.approval_request(actor=self.request.user, **data)

    @extend_schema(request=s.SignoffCreateSerializer, responses={201: s.ApprovalSerializer})
    @action(detail=True, methods=["get", "post"])
    def signoffs(self, request, pk=None):
        approval = self.get_object()
        if request.method == "GET":
            return Response(s.SignoffSerializer(approval.signoffs.all(), many=True).data)
        serializer = s.SignoffCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.signoff_record(actor=request.user, approval=approval, **serializer.validated_data)
        return self.respond_with(approval, status.HTTP_201_CREATED)

    @extend_schema(request=s.WithdrawSerializer, responses=s.ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        approval = self.get_object()
        serializer = s.WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.approval_withdraw(
            actor=request.user,
            approval=approval,
            reason=serializer.validated_data.get("reason", ""),
        )
        return self.respond_with(approval)

    @extend_schema(request=s.ResubmitSerializer, responses=s.ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        approval = self.get_object()
        serializer = s.ResubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.approval_resubmit(
            actor=request.user,
            approval=approval,
            justification=serializer.validated_data.get("justification", ""),
        )
        return self.respond_with(approval)


class DeploymentViewSet(CreateMixin, RegistryDeploymentViewSet):
    """Deployments, recorded through the approval gate, each with the approval that allowed it;
    and the gate itself for CI pipelines."""

    serializer_class = s.GovernedDeploymentSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("approval_link")

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except services.DeploymentRefused as refused:
            # The refusal is part of the record, though nothing was deployed. It is written
            # after the refused attempt rolled back, so it survives it.
            services.gate_refusal_record(
                actor=request.user,
                model_version=refused.decision.model_version,
                environment=refused.decision.environment,
                decision=refused.decision,
            )
            raise

    def create_object(self, data):
        return services.deployment_record(actor=self.request.user, **data)

    @extend_schema(
        parameters=[
            OpenApiParameter("model_version", int, required=True),
            OpenApiParameter("environment", str, required=True, enum=["staging", "production"]),
        ],
        responses=s.GateSerializer,
    )
    @action(detail=False, methods=["get"])
    def gate(self, request):
        """May this version be deployed to this environment? ``{allowed, reasons, approval}``."""
        query = s.GateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        mv, environment = query.validated_data["model_version"], query.validated_data["environment"]
        decision = services.gate_decide(model_version=mv, environment=environment)
        if not decision.allowed:
            services.gate_refusal_record(
                actor=request.user,
                model_version=mv,
                environment=environment,
                decision=decision,
                poll=True,
            )
        return Response(
            {
                "allowed": decision.allowed,
                "reasons": decision.reasons,
                "approval": decision.approval.pk if decision.approval else None,
            }
        )
