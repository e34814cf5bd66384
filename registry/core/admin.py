"""The admin is a read-only window on the registry: every change goes through the API or the UI,
whose services check permissions and write the audit trail. An admin that could edit rows
directly would be a back door around both."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
