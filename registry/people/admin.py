"""Teams and API tokens in the admin, read-only."""

from django.contrib import admin

from registry.core.admin import ReadOnlyAdmin
from registry.people.models import APIToken, Team


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "function", "lead"]
    list_filter = ["function"]
    search_fields = ["name", "slug"]


@admin.register(APIToken)
class APITokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "user", "expires_at", "revoked_at", "last_used_at"]
    exclude = ["digest"]
