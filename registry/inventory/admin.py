"""The inventory in the admin, read-only: every change goes through the API or the UI, whose
services check permissions and write the audit trail."""

from django.contrib import admin

from registry.core.admin import ReadOnlyAdmin
from registry.inventory.models import (
    AIModel,
    AISystem,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
)


@admin.register(AISystem)
class AISystemAdmin(ReadOnlyAdmin):
    list_display = ["name", "risk_tier", "lifecycle", "owning_team", "technical_owner"]
    list_filter = ["risk_tier", "lifecycle"]
    search_fields = ["name", "slug", "purpose"]
    list_select_related = ["owning_team", "technical_owner"]


@admin.register(AIModel)
class AIModelAdmin(ReadOnlyAdmin):
    list_display = ["name", "system", "provider", "framework"]
    list_select_related = ["system"]
    search_fields = ["name"]


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ["model", "version", "status", "registered_by", "created_at"]
    list_filter = ["status"]
    list_select_related = ["model", "registered_by"]


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    list_display = ["namespace", "name", "classification", "contains_personal_data", "owner_team"]
    list_filter = ["classification", "contains_personal_data"]
    search_fields = ["namespace", "name"]


@admin.register(DatasetLineage)
class DatasetLineageAdmin(ReadOnlyAdmin):
    list_display = ["source", "target", "job_name"]
    list_select_related = ["source", "target"]


@admin.register(Deployment)
class DeploymentAdmin(ReadOnlyAdmin):
    list_display = ["model_version", "environment", "status", "deployed_at", "deployed_by"]
    list_filter = ["environment", "status"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["title", "system", "severity", "status", "opened_at"]
    list_filter = ["severity", "status"]
