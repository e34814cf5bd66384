"""Notifications in the admin, read-only: the record of every reminder and escalation sent."""

from django.contrib import admin

from governance.chasing.models import Notification
from registry.core.admin import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "level", "recipient", "period", "status", "attempts"]
    list_filter = ["status", "kind", "level"]
    list_select_related = ["recipient"]
    search_fields = ["key", "subject"]
