"""Evidence in the admin, read-only like the rest: items change only through the services, which
inspect files, check permissions and write the audit trail."""

from django.contrib import admin

from registry.core.admin import ReadOnlyAdmin
from registry.evidence.models import EvidenceItem


@admin.register(EvidenceItem)
class EvidenceItemAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "version",
        "kind",
        "subject_type",
        "subject_repr",
        "status",
        "created_at",
    ]
    list_filter = ["kind", "subject_type", "status", "restricted"]
    search_fields = ["title", "file_name", "sha256", "subject_repr"]
    list_select_related = ["uploaded_by"]
