"""Approvals in the admin: requests and their sign-offs, read-only — they change only through
the workflow's services."""

from django.contrib import admin

from governance.approvals.models import ApprovalRequest, Signoff
from registry.core.admin import ReadOnlyAdmin


class SignoffInline(admin.TabularInline):
    model = Signoff
    extra = 0
    can_delete = False
    readonly_fields = [
        "round",
        "function",
        "reviewer",
        "decision",
        "comment",
        "conditions",
        "created_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "model_version", "environment", "status", "requested_by", "due_at"]
    list_filter = ["status", "environment", "risk_tier"]
    list_select_related = ["model_version__model", "requested_by"]
    inlines = [SignoffInline]
