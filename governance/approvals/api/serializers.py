"""Shapes of the approval workflow's input and output."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from governance.approvals import permissions
from governance.approvals.choices import Decision
from governance.approvals.models import ApprovalRequest, Signoff
from governance.policies.choices import ReviewFunction
from registry.api.fields import UserField
from registry.inventory.api.serializers import DeploymentSerializer
from registry.inventory.choices import Environment
from registry.inventory.models import ModelVersion


class CitedEvidenceSerializer(serializers.Serializer):
    """A piece of evidence a sign-off was given on, as the reviewer saw it."""

    evidence = serializers.IntegerField(source="evidence_id")
    sha256 = serializers.CharField()


class SignoffSerializer(serializers.ModelSerializer):
    reviewer = UserField(read_only=True)
    evidence = CitedEvidenceSerializer(source="evidence_links", many=True, read_only=True)

    class Meta:
        model = Signoff
        fields = [
            "id",
            "round",
            "function",
            "reviewer",
            "decision",
            "comment",
            "conditions",
            "evidence",
            "created_at",
        ]
        read_only_fields = fields


class SignoffCreateSerializer(serializers.Serializer):
    function = serializers.ChoiceField(choices=ReviewFunction.choices)
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    conditions = serializers.CharField(required=False, allow_blank=True, max_length=10_000)

    def validate(self, attrs):
        if attrs["decision"] != Decision.APPROVE and not attrs.get("comment"):
            raise serializers.ValidationError(
                {"comment": "Say why when rejecting or requesting changes."}
            )
        return attrs


class FunctionStatusSerializer(serializers.Serializer):
    function = serializers.CharField()
    decision = serializers.CharField(allow_null=True)
    signed_by = serializers.CharField(allow_null=True)
    may_sign = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)


class ApprovalSerializer(serializers.ModelSerializer):
    requested_by = UserField(read_only=True)
    system = serializers.IntegerField(source="model_version.model.system_id", read_only=True)
    signoffs = SignoffSerializer(many=True, read_only=True)
    functions = serializers.SerializerMethodField()
    model_version = serializers.PrimaryKeyRelatedField(queryset=ModelVersion.objects.all())
    environment = serializers.ChoiceField(choices=Environment.choices)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "model_version",
            "system",
            "environment",
            "status",
            "status_reason",
            "round",
            "risk_tier",
            "requested_by",
            "justification",
            "required_functions",
            "due_at",
            "decided_at",
            "expires_at",
            "first_deployed_at",
            "bound_artifact_sha256",
            "bound_datasets",
            "signoffs",
            "functions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            f for f in fields if f not in ("model_version", "environment", "justification")
        ]
        validators = []

    @extend_schema_field(FunctionStatusSerializer(many=True))
    def get_functions(self, approval) -> list[dict]:
        """Per required function: its decision this round, and whether the current user may
        sign it — and if not, why."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        signoffs = list(approval.signoffs.all())
        current = {s.function: s for s in signoffs if s.round == approval.round}
        out = []
        for function in approval.required_functions:
            signoff = current.get(function)
            reason = permissions.signoff_refusal(user, approval, function, signoffs=signoffs)
            out.append(
                {
                    "function": function,
                    "decision": signoff.decision if signoff else None,
                    "signed_by": signoff.reviewer.username if signoff else None,
                    "may_sign": reason is None,
                    "reason": reason,
                }
            )
        return out


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class ResubmitSerializer(serializers.Serializer):
    justification = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class GateQuerySerializer(serializers.Serializer):
    model_version = serializers.PrimaryKeyRelatedField(
        queryset=ModelVersion.objects.select_related("model__system")
    )
    environment = serializers.ChoiceField(choices=Environment.choices)


class GateSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    approval = serializers.IntegerField(allow_null=True)


# The API's Deployment: the registry's fields and the approval (the registry cannot know it).
@extend_schema_serializer(component_name="Deployment")
class GovernedDeploymentSerializer(DeploymentSerializer):
    """A deployment with the approval request that allowed it: every production deployment
    has one; a staging deployment needs none (null)."""

    approval = serializers.IntegerField(
        source="approval_link.approval_id", read_only=True, allow_null=True
    )

    class Meta(DeploymentSerializer.Meta):
        fields = [*DeploymentSerializer.Meta.fields, "approval"]
