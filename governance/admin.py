"""Governance in the admin. Policies are editable by compliance — through ``policy_update``, so
an admin edit is permission-checked and audited like an API edit. Approvals and sign-offs are
read-only here: they change only through the workflow's services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from registry.admin import ReadOnlyAdmin
from registry.audit import audit_context
from registry.choices import AuditSource

from . import permissions, services
from .models import ApprovalRequest, Notification, Policy, RiskFinding, RiskReview, Signoff


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = [
        "risk_tier",
        "approvable",
        "required_functions",
        "signoff_sla_days",
        "approval_validity_days",
        "updated_at",
    ]
    readonly_fields = ["risk_tier", "updated_by", "created_at", "updated_at"]
    fields = ["risk_tier", *services.POLICY_FIELDS, "updated_by", "updated_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return permissions.can_edit_policies(request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.POLICY_FIELDS
        }
        original = Policy.objects.get(pk=obj.pk)
        try:
            with audit_context(source=AuditSource.ADMIN):
                services.policy_update(actor=request.user, policy=original, data=data)
        except (PermissionDenied, ValidationError) as exc:
            self.message_user(request, f"Not saved: {exc}", messages.ERROR)


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


# --- Risk reviews, the risk register, notifications: read-only here ---------------------------
# They change only through their services (API, tasks, commands), which check permissions and
# write the audit event; the admin shows them.


@admin.register(RiskReview)
class RiskReviewAdmin(ReadOnlyAdmin):
    list_display = ["id", "system", "function", "assignee", "status", "due_at", "completed_at"]
    list_filter = ["status", "function"]
    list_select_related = ["system", "assignee"]
    search_fields = ["system__name", "summary"]


@admin.register(RiskFinding)
class RiskFindingAdmin(ReadOnlyAdmin):
    list_display = ["title", "system", "category", "residual_rating", "status", "target_date"]
    list_filter = ["status", "category", "residual_rating"]
    list_select_related = ["system"]
    search_fields = ["title", "description"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "level", "recipient", "period", "status", "attempts"]
    list_filter = ["status", "kind", "level"]
    list_select_related = ["recipient"]
    search_fields = ["key", "subject"]
