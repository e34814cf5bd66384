"""Query filters of the approval list endpoint (django-filter)."""

import django_filters as df

from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest
from registry.api.filtersets import FilterSet, IdFilter
from registry.inventory.choices import Environment


class ApprovalFilter(FilterSet):
    status = df.MultipleChoiceFilter(choices=ApprovalStatus.choices)
    environment = df.ChoiceFilter(choices=Environment.choices)
    system = IdFilter(field_name="model_version__model__system")
    requested_by = df.CharFilter(field_name="requested_by__username")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "environment", "system", "model_version", "requested_by", "risk_tier"]
