"""Risk review and risk register endpoints: thin, one service call each.

Querysets are restricted to what the user may see before a view runs (a review or finding
outside it is a 404); the services decide what the user may do (403 otherwise).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated

from governance.reviews import findings, permissions, selectors
from governance.reviews import services as reviews
from governance.reviews.api import serializers as s
from governance.reviews.api.filtersets import FindingFilter, ReviewFilter
from registry.api.views import CreateMixin, RetrieveMixin, ServiceViewSet, UpdateMixin
from registry.audit.api.views import AuditHistoryMixin


class ReviewViewSet(
    AuditHistoryMixin,
    RetrieveMixin,
    CreateMixin,
    UpdateMixin,
    mixins.ListModelMixin,
    ServiceViewSet,
):
    """Risk reviews. Compliance and the function's team lead open, reassign and cancel them;
    the assignee (or an independent member of the function) starts and completes them."""

    serializer_class = s.ReviewSerializer
    update_serializer_class = s.ReviewUpdateSerializer
    filterset_class = ReviewFilter
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["due_at", "created_at", "completed_at"]
    search_fields = ["system__name", "summary"]

    def get_queryset(self):
        return selectors.review_list().filter(permissions.review_visibility(self.request.user))

    def create_object(self, data):
        return reviews.review_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return reviews.review_update(
            actor=self.request.user, review=instance, data=data, if_match=self.if_match
        )

    @extend_schema(request=None, responses=s.ReviewSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        review = self.get_object()
        reviews.review_start(actor=request.user, review=review)
        return self.respond_with(review)

    @extend_schema(request=s.ReviewCompleteSerializer, responses=s.ReviewSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Record the outcome; the next review of the system for the function opens, due after
        the policy's cadence."""
        review = self.get_object()
        serializer = s.ReviewCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reviews.review_complete(actor=request.user, review=review, **serializer.validated_data)
        return self.respond_with(review)

    @extend_schema(request=s.ReviewCancelSerializer, responses=s.ReviewSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        review = self.get_object()
        serializer = s.ReviewCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reviews.review_cancel(
            actor=request.user, review=review, reason=serializer.validated_data.get("reason", "")
        )
        return self.respond_with(review)


class FindingViewSet(
    AuditHistoryMixin,
    RetrieveMixin,
    CreateMixin,
    UpdateMixin,
    mixins.ListModelMixin,
    ServiceViewSet,
):
    """The risk register. Reviewers and a system's owners record findings; accepting a residual
    risk takes a reviewing function."""

    serializer_class = s.FindingSerializer
    update_serializer_class = s.FindingUpdateSerializer
    filterset_class = FindingFilter
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["created_at", "target_date", "residual_rating"]
    search_fields = ["title", "description", "mitigation"]

    def get_queryset(self):
        return selectors.finding_list().filter(permissions.finding_visibility(self.request.user))

    def create_object(self, data):
        return findings.finding_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return findings.finding_update(
            actor=self.request.user, finding=instance, data=data, if_match=self.if_match
        )
