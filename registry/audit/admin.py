"""The audit ledger in the admin, read-only like everything there."""

from django.contrib import admin

from registry.audit.models import AuditEvent
from registry.core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "created_at", "actor_name", "source", "action", "object_repr"]
    list_filter = ["source", "action"]
    search_fields = ["object_repr", "actor_name", "request_id"]
