"""Query filters of the inventory's list endpoints (django-filter)."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q
from django.utils import timezone

from registry.api.filtersets import FilterSet, IdFilter, StrictBooleanFilter
from registry.inventory import permissions
from registry.inventory.choices import (
    Classification,
    DeploymentStatus,
    Environment,
    IncidentSeverity,
    IncidentStatus,
    Lifecycle,
    RiskTier,
    SeriousIncidentCategory,
    VersionStatus,
)
from registry.inventory.models import (
    AIModel,
    AISystem,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
)


class SystemFilter(FilterSet):
    risk_tier = df.MultipleChoiceFilter(choices=RiskTier.choices)
    lifecycle = df.MultipleChoiceFilter(choices=Lifecycle.choices)
    owning_team = df.CharFilter(field_name="owning_team__slug", label="Owning team slug")
    technical_owner = df.CharFilter(field_name="technical_owner__username")
    accountable_executive = df.CharFilter(field_name="accountable_executive__username")
    business_unit = df.CharFilter(lookup_expr="iexact")
    editable = StrictBooleanFilter(method="filter_editable", label="Only systems I may change")

    class Meta:
        model = AISystem
        fields = [
            "risk_tier",
            "lifecycle",
            "owning_team",
            "technical_owner",
            "accountable_executive",
            "business_unit",
            "ai_act_role",
        ]

    def filter_editable(self, queryset, name, value):
        if value is None:
            return queryset
        mine = permissions.systems_changeable_by(self.request.user).values("pk")
        return queryset.filter(pk__in=mine) if value else queryset.exclude(pk__in=mine)


class ModelFilter(FilterSet):
    class Meta:
        model = AIModel
        fields = ["system", "provider", "name"]


class ModelVersionFilter(FilterSet):
    system = IdFilter(field_name="model__system")
    status = df.MultipleChoiceFilter(choices=VersionStatus.choices)
    dataset = IdFilter(field_name="dataset_links__dataset", distinct=True)

    class Meta:
        model = ModelVersion
        fields = ["model", "system", "status", "version", "run_id", "dataset"]


class DatasetFilter(FilterSet):
    owner_team = df.CharFilter(field_name="owner_team__slug")
    classification = df.MultipleChoiceFilter(choices=Classification.choices)

    class Meta:
        model = Dataset
        fields = ["namespace", "name", "owner_team", "classification", "contains_personal_data"]


class LineageEdgeFilter(FilterSet):
    dataset = IdFilter(method="filter_dataset", label="Edges touching this dataset")

    class Meta:
        model = DatasetLineage
        fields = ["source", "target", "job_namespace", "job_name", "dataset"]

    def filter_dataset(self, queryset, name, value):
        return queryset.filter(Q(source=value) | Q(target=value))


class DeploymentFilter(FilterSet):
    system = IdFilter(field_name="model_version__model__system")
    environment = df.MultipleChoiceFilter(choices=Environment.choices)
    status = df.MultipleChoiceFilter(choices=DeploymentStatus.choices)

    class Meta:
        model = Deployment
        fields = ["model_version", "system", "environment", "status"]


class IncidentFilter(FilterSet):
    severity = df.MultipleChoiceFilter(choices=IncidentSeverity.choices)
    status = df.MultipleChoiceFilter(choices=IncidentStatus.choices)
    serious_category = df.MultipleChoiceFilter(choices=SeriousIncidentCategory.choices)
    reported = StrictBooleanFilter(
        field_name="reported_at", lookup_expr="isnull", exclude=True, label="Reported"
    )
    report_overdue = StrictBooleanFilter(
        method="filter_report_overdue", label="Serious, not reported, past its deadline"
    )
    report_due_before = df.IsoDateTimeFilter(field_name="report_due_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = [
            "system",
            "model_version",
            "severity",
            "status",
            "is_serious",
            "serious_category",
            "reported",
            "report_overdue",
            "report_due_before",
        ]

    def filter_report_overdue(self, queryset, name, value):
        overdue = Q(is_serious=True, reported_at__isnull=True, report_due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
