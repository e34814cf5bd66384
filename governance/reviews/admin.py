"""Risk reviews and findings in the admin, read-only: they change only through their services."""

from django.contrib import admin

from governance.reviews.models import RiskFinding, RiskReview
from registry.core.admin import ReadOnlyAdmin

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
