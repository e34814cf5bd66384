"""Documents in the admin, read-only: they change only through their services (audited)."""

from django.contrib import admin

from governance.documents.models import (
    DocumentJob,
    FundamentalRightsAssessment,
    ModelCard,
    RegistrationData,
    TechnicalDocumentation,
)
from registry.core.admin import ReadOnlyAdmin


@admin.register(ModelCard)
class ModelCardAdmin(ReadOnlyAdmin):
    list_display = ["id", "model_version", "updated_at", "updated_by"]
    list_select_related = ["model_version__model", "updated_by"]


@admin.register(TechnicalDocumentation)
class TechnicalDocumentationAdmin(ReadOnlyAdmin):
    list_display = ["id", "system", "updated_at"]
    list_select_related = ["system"]


@admin.register(FundamentalRightsAssessment)
class FRIAAdmin(ReadOnlyAdmin):
    list_display = ["id", "system", "number", "status", "round", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["system"]


@admin.register(RegistrationData)
class RegistrationDataAdmin(ReadOnlyAdmin):
    list_display = ["id", "system", "updated_at"]
    list_select_related = ["system"]


@admin.register(DocumentJob)
class DocumentJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "system", "status", "progress", "requested_by", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["system", "requested_by"]
