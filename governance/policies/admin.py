"""Governance in the admin. Policies are editable by compliance — through ``policy_update``, so
an admin edit is permission-checked and audited like an API edit. Approvals and sign-offs are
read-only here: they change only through the workflow's services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from governance.policies import permissions, services
from governance.policies.models import Policy
from registry.audit.choices import AuditSource
from registry.audit.services import audit_context


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
