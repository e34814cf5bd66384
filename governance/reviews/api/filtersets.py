"""Query filters of the review and finding list endpoints (django-filter)."""

import django_filters as df
from django.db.models import Q
from django.utils import timezone

from governance.policies.choices import ReviewFunction
from governance.reviews.choices import (
    ACTIVE_REVIEW_STATUSES,
    OPEN_FINDING_STATUSES,
    FindingCategory,
    FindingStatus,
    ReviewStatus,
    RiskRating,
)
from governance.reviews.models import RiskFinding, RiskReview
from registry.api.filtersets import FilterSet, IdFilter, StrictBooleanFilter


class ReviewFilter(FilterSet):
    """``mine``: assigned to me; ``overdue``: active and past due now."""

    mine = StrictBooleanFilter(method="filter_mine", label="Assigned to me")
    overdue = StrictBooleanFilter(method="filter_overdue", label="Active and past due")
    function = df.MultipleChoiceFilter(choices=ReviewFunction.choices)
    status = df.MultipleChoiceFilter(choices=ReviewStatus.choices)
    system = IdFilter(field_name="system")
    assignee = df.CharFilter(field_name="assignee__username")

    class Meta:
        model = RiskReview
        fields = ["mine", "overdue", "function", "system", "status", "assignee"]

    def filter_mine(self, queryset, name, value):
        mine = Q(assignee=self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=ACTIVE_REVIEW_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class FindingFilter(FilterSet):
    """``mine``: owned by me; ``open``: open or being mitigated; ``overdue``: open past its
    target date."""

    mine = StrictBooleanFilter(method="filter_mine", label="Owned by me")
    open = StrictBooleanFilter(method="filter_open", label="Open or being mitigated")
    overdue = StrictBooleanFilter(method="filter_overdue", label="Open past its target date")
    category = df.MultipleChoiceFilter(choices=FindingCategory.choices)
    status = df.MultipleChoiceFilter(choices=FindingStatus.choices)
    residual_rating = df.MultipleChoiceFilter(choices=RiskRating.choices)
    system = IdFilter(field_name="system")
    review = IdFilter(field_name="review")
    owner = df.CharFilter(field_name="owner__username")

    class Meta:
        model = RiskFinding
        fields = [
            "mine",
            "open",
            "overdue",
            "category",
            "status",
            "residual_rating",
            "system",
            "review",
            "owner",
        ]

    def filter_mine(self, queryset, name, value):
        mine = Q(owner=self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_open(self, queryset, name, value):
        is_open = Q(status__in=OPEN_FINDING_STATUSES)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_FINDING_STATUSES, target_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
