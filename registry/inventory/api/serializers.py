"""Serializers validate the shape of input and render output; services do the writing.

People are named by username and teams by slug, so a pipeline can write
``"owning_team": "fraud-ml", "technical_owner": "alice"`` without looking up ids first.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from registry.api.fields import IdField, UserField
from registry.inventory.choices import DatasetRole
from registry.inventory.models import (
    AIModel,
    AISystem,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
)
from registry.inventory.services.operations import INCIDENT_FIELDS
from registry.inventory.services.systems import SYSTEM_FIELDS
from registry.people.api.serializers import TeamField

# --- Systems and models -----------------------------------------------------------------------


class SystemSerializer(serializers.ModelSerializer):
    owning_team = TeamField()
    technical_owner = UserField(required=False, allow_null=True)
    accountable_executive = UserField(required=False, allow_null=True)
    created_by = UserField(read_only=True)

    class Meta:
        model = AISystem
        fields = ["id", *SYSTEM_FIELDS, "created_by", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"slug": {"required": False}}

    def validate_budget_currency(self, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise serializers.ValidationError("Use a three-letter ISO 4217 code, e.g. EUR.")
        return value.upper()


class ModelSerializer(serializers.ModelSerializer):
    serializer_related_field = IdField

    class Meta:
        model = AIModel
        fields = [
            "id",
            "system",
            "name",
            "description",
            "task",
            "framework",
            "provider",
            "vendor",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ModelUpdateSerializer(ModelSerializer):
    """A model's system and name are its identity; they do not change by update."""

    class Meta(ModelSerializer.Meta):
        read_only_fields = ["system", "name", "created_at", "updated_at"]


class ModelMoveSerializer(serializers.Serializer):
    """Where a model moves: the id of the system it serves."""

    system = IdField(queryset=AISystem.objects.all())


class ModelCardSerializer(serializers.Serializer):
    intended_use = serializers.CharField(
        source="card_intended_use", required=False, allow_blank=True
    )
    limitations = serializers.CharField(source="card_limitations", required=False, allow_blank=True)
    evaluation_summary = serializers.CharField(
        source="card_evaluation_summary", required=False, allow_blank=True
    )


class DatasetLinkSerializer(serializers.Serializer):
    dataset = IdField(queryset=Dataset.objects.all())
    role = serializers.ChoiceField(choices=DatasetRole.choices)
    namespace = serializers.CharField(source="dataset.namespace", read_only=True)
    name = serializers.CharField(source="dataset.name", read_only=True)
    classification = serializers.CharField(source="dataset.classification", read_only=True)


def _validate_metrics(value):
    if not isinstance(value, dict):
        raise serializers.ValidationError("Metrics must be a JSON object of name → value.")
    if len(value) > 200:
        raise serializers.ValidationError("At most 200 metrics.")
    for key, metric in value.items():
        if not isinstance(metric, (int, float, str, bool)) and metric is not None:
            raise serializers.ValidationError(f"Metric '{key}' must be a number, string or bool.")
        # PostgreSQL's jsonb cannot hold U+0000; refuse it here rather than fail at the database.
        if "\x00" in key or (isinstance(metric, str) and "\x00" in metric):
            raise serializers.ValidationError("Null characters are not allowed.")
    return value


class ModelVersionSerializer(serializers.ModelSerializer):
    serializer_related_field = IdField
    model_card = ModelCardSerializer(source="*", required=False)
    training_datasets = DatasetLinkSerializer(source="dataset_links", many=True, required=False)
    system = serializers.IntegerField(source="model.system_id", read_only=True)
    registered_by = UserField(read_only=True)
    metrics = serializers.JSONField(required=False, validators=[_validate_metrics])

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "model",
            "system",
            "version",
            "artifact_uri",
            "artifact_sha256",
            "source_commit",
            "run_id",
            "metrics",
            "model_card",
            "training_datasets",
            "status",
            "registered_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        # Uniqueness of (model, version) is the service's to check (409), not a 400 here.
        validators = []

    def validate_training_datasets(self, links):
        pairs = [(link["dataset"].pk, link["role"]) for link in links]
        if len(pairs) != len(set(pairs)):
            raise serializers.ValidationError("The same dataset is listed twice with one role.")
        return links


class ModelVersionUpdateSerializer(ModelVersionSerializer):
    class Meta(ModelVersionSerializer.Meta):
        read_only_fields = ["model", "version", "created_at", "updated_at"]


# --- Datasets and lineage ---------------------------------------------------------------------


class DatasetSerializer(serializers.ModelSerializer):
    owner_team = TeamField(required=False, allow_null=True)

    class Meta:
        model = Dataset
        fields = [
            "id",
            "namespace",
            "name",
            "description",
            "owner_team",
            "classification",
            "contains_personal_data",
            "legal_basis",
            "retention_days",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []

    def validate(self, attrs):
        personal = attrs.get(
            "contains_personal_data", getattr(self.instance, "contains_personal_data", False)
        )
        basis = attrs.get("legal_basis", getattr(self.instance, "legal_basis", ""))
        if personal and not basis:
            raise serializers.ValidationError(
                {"legal_basis": "A dataset with personal data needs a legal basis."}
            )
        return attrs


class DatasetUpdateSerializer(DatasetSerializer):
    class Meta(DatasetSerializer.Meta):
        read_only_fields = ["namespace", "name", "created_at", "updated_at"]


class LineageEdgeSerializer(serializers.ModelSerializer):
    serializer_related_field = IdField

    class Meta:
        model = DatasetLineage
        fields = ["id", "source", "target", "job_namespace", "job_name", "run_id", "created_at"]
        read_only_fields = ["created_at"]
        validators = []


class LineageNodeSerializer(serializers.ModelSerializer):
    distance = serializers.IntegerField(read_only=True)

    class Meta:
        model = Dataset
        fields = ["id", "namespace", "name", "classification", "contains_personal_data", "distance"]


class LineageGraphSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["upstream", "downstream"])
    depth = serializers.IntegerField()
    truncated = serializers.BooleanField()
    nodes = LineageNodeSerializer(many=True)
    edges = LineageEdgeSerializer(many=True)


class DatasetLineageSerializer(LineageGraphSerializer):
    dataset = serializers.IntegerField()


class VersionLineageSerializer(LineageGraphSerializer):
    model_version = serializers.IntegerField()
    datasets = DatasetLinkSerializer(many=True)


# --- Operations -------------------------------------------------------------------------------


class DeploymentSerializer(serializers.ModelSerializer):
    serializer_related_field = IdField
    deployed_by = UserField(read_only=True)
    system = serializers.IntegerField(source="model_version.model.system_id", read_only=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "model_version",
            "system",
            "environment",
            "status",
            "endpoint",
            "notes",
            "deployed_at",
            "deployed_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        extra_kwargs = {"deployed_at": {"required": False}}


class DeploymentUpdateSerializer(DeploymentSerializer):
    class Meta(DeploymentSerializer.Meta):
        read_only_fields = [
            "model_version",
            "environment",
            "deployed_at",
            "created_at",
            "updated_at",
        ]


class IncidentSerializer(serializers.ModelSerializer):
    """An incident. For a serious one, ``report_due_at`` is computed (EU AI Act art. 73):
    ``aware_at`` (default: when it was opened) plus 15 days, 10 when ``serious_category`` is
    ``death``, 2 for ``widespread_infringement`` or ``critical_infrastructure``."""

    serializer_related_field = IdField
    owner = UserField(required=False, allow_null=True)
    created_by = UserField(read_only=True)
    report_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            *INCIDENT_FIELDS,
            "report_overdue",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["report_due_at", "created_at", "updated_at"]
        extra_kwargs = {"opened_at": {"required": False}}

    def get_report_overdue(self, incident: Incident) -> bool:
        """A serious incident not yet reported whose deadline has passed."""
        return bool(
            incident.report_due_at
            and incident.reported_at is None
            and incident.report_due_at < timezone.now()
        )


class IncidentUpdateSerializer(IncidentSerializer):
    class Meta(IncidentSerializer.Meta):
        read_only_fields = ["system", "opened_at", "report_due_at", "created_at", "updated_at"]
