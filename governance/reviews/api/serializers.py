"""Shapes of risk reviews, their workflow actions, and the risk register."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.policies.choices import ReviewFunction
from governance.reviews import permissions
from governance.reviews.choices import (
    FindingCategory,
    FindingStatus,
    ReviewRecommendation,
    RiskRating,
)
from governance.reviews.findings import FINDING_FIELDS
from governance.reviews.models import RiskFinding, RiskReview
from registry.api.fields import IdField, UserField
from registry.inventory.models import AISystem


class ReviewSerializer(serializers.ModelSerializer):
    """A risk review. ``overdue`` is computed now; ``may_work`` and ``reason`` tell the current
    user whether they may start or complete it, and why not."""

    system = IdField(queryset=AISystem.objects.all())
    system_name = serializers.CharField(source="system.name", read_only=True)
    function = serializers.ChoiceField(choices=ReviewFunction.choices)
    assignee = UserField(required=False, allow_null=True)
    completed_by = UserField(read_only=True)
    created_by = UserField(read_only=True)
    overdue = serializers.SerializerMethodField()
    may_work = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()

    class Meta:
        model = RiskReview
        fields = [
            "id",
            "system",
            "system_name",
            "function",
            "assignee",
            "status",
            "status_reason",
            "due_at",
            "overdue",
            "started_at",
            "completed_at",
            "completed_by",
            "rating",
            "summary",
            "recommendation",
            "previous",
            "may_work",
            "reason",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            f for f in fields if f not in ("system", "function", "assignee", "due_at")
        ]
        extra_kwargs = {"due_at": {"required": False}}
        validators = []

    def get_overdue(self, review: RiskReview) -> bool:
        return review.is_active and review.due_at < timezone.now()

    def _refusal(self, review: RiskReview) -> str | None:
        request = self.context.get("request")
        return permissions.review_work_refusal(getattr(request, "user", None), review)

    def get_may_work(self, review: RiskReview) -> bool:
        return self._refusal(review) is None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reason(self, review: RiskReview) -> str | None:
        return self._refusal(review)


class ReviewUpdateSerializer(ReviewSerializer):
    """Reassign or reschedule: ``assignee``, ``due_at``."""

    class Meta(ReviewSerializer.Meta):
        read_only_fields = [
            f for f in ReviewSerializer.Meta.fields if f not in ("assignee", "due_at")
        ]


class ReviewCompleteSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=RiskRating.choices)
    recommendation = serializers.ChoiceField(choices=ReviewRecommendation.choices)
    summary = serializers.CharField(max_length=20_000)


class ReviewCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class FindingSerializer(serializers.ModelSerializer):
    """An entry in the risk register."""

    system = IdField(queryset=AISystem.objects.all())
    review = IdField(queryset=RiskReview.objects.all(), required=False, allow_null=True)
    category = serializers.ChoiceField(choices=FindingCategory.choices)
    inherent_rating = serializers.ChoiceField(choices=RiskRating.choices)
    residual_rating = serializers.ChoiceField(choices=RiskRating.choices, required=False)
    status = serializers.ChoiceField(choices=FindingStatus.choices, required=False)
    owner = UserField(required=False, allow_null=True)
    created_by = UserField(read_only=True)

    class Meta:
        model = RiskFinding
        fields = ["id", *FINDING_FIELDS, "closed_at", "created_by", "created_at", "updated_at"]
        read_only_fields = ["closed_at", "created_at", "updated_at"]

    def validate(self, attrs):
        if self.instance is None and attrs.pop("status", FindingStatus.OPEN) != FindingStatus.OPEN:
            raise serializers.ValidationError({"status": "A new finding starts open."})
        return attrs


class FindingUpdateSerializer(FindingSerializer):
    class Meta(FindingSerializer.Meta):
        read_only_fields = ["system", "review", "closed_at", "created_at", "updated_at"]
