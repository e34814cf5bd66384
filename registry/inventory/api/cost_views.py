"""``/api/v1/systems/{id}/costs/``: a system's monthly spend. Finance (people, or FinOps
pipelines with a finance user's token) post; everyone signed in reads."""

from __future__ import annotations

import datetime as dt
import re

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from registry.inventory import permissions, selectors, services
from registry.inventory.choices import CostSource
from registry.inventory.models import AISystem, CostRecord

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$", "example": "2026-05"})
class PeriodField(serializers.Field):
    """A month, as ``YYYY-MM`` or as any ``YYYY-MM-DD`` date in it (normalised to the 1st)."""

    default_error_messages = {
        "invalid": "Enter a month as YYYY-MM, or a date YYYY-MM-DD (its month is used).",
    }

    def to_internal_value(self, data: object) -> dt.date:
        if not isinstance(data, str):
            self.fail("invalid")
        text = data.strip()
        try:
            match = _MONTH.match(text)
            if match:
                return dt.date(int(match[1]), int(match[2]), 1)
            return dt.date.fromisoformat(text).replace(day=1)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value: dt.date) -> str:
        return value.strftime("%Y-%m")


class CostRecordInputSerializer(serializers.Serializer):
    period = PeriodField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$", error_messages={"invalid": "Enter a three-letter currency code."}
    )
    source = serializers.ChoiceField(choices=CostSource.choices)


class CostRecordSerializer(serializers.ModelSerializer):
    period = PeriodField(read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CostRecord
        fields = [
            "id",
            "system",
            "period",
            "amount",
            "currency",
            "source",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CostWritePermission(BasePermission):
    """Everyone signed in reads spend; only those who may record costs post it."""

    message = "Only finance (or a FinOps pipeline with a finance token) records spend."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return permissions.can_record_costs(request.user)


class SystemCostList(generics.ListAPIView):
    """A system's monthly spend records, newest month first. ``POST`` records one month from one
    source: 201 when new, 200 when it replaced (or repeated) the figure already there."""

    serializer_class = CostRecordSerializer
    permission_classes = [IsAuthenticated, CostWritePermission]

    def get_system(self) -> AISystem:
        return get_object_or_404(AISystem, pk=self.kwargs["system_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CostRecord.objects.none()
        return selectors.cost_list().filter(system=self.get_system())

    @extend_schema(request=CostRecordInputSerializer, responses={201: CostRecordSerializer})
    def post(self, request: Request, system_pk: int) -> Response:
        system = self.get_system()
        serializer = CostRecordInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record, created = services.cost_record(
            actor=request.user, system=system, **serializer.validated_data
        )
        record = selectors.cost_list().get(pk=record.pk)
        return Response(
            CostRecordSerializer(record).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
