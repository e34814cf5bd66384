"""``GET /api/v1/accountability-map/``: the map as JSON, from the same selector as the page and
the CSV, with the same filters (``gaps``, ``executive``, ``team``, ``tier``). One document, not a
paginated list: it is what an executive dashboard or a GRC tool pulls whole."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import permissions
from .map import AccountabilityMap, MapFilters, SystemRow, accountability_map


class MapReaderPermission(BasePermission):
    message = "The accountability map is for executives, compliance and auditors."

    def has_permission(self, request, view) -> bool:
        return permissions.can_view_accountability_map(request.user)


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "is_active": user.is_active,
    }


def _money(value: Any) -> str | None:
    return None if value is None else format(value, "f")


def row_payload(row: SystemRow) -> dict[str, Any]:
    s = row.system
    return {
        "id": s.pk,
        "name": s.name,
        "slug": s.slug,
        "url": f"/systems/{s.slug}/",
        "accountable_executive": _person(s.accountable_executive),
        "owning_team": {"id": s.owning_team_id, "name": s.owning_team.name},
        "technical_owner": _person(s.technical_owner),
        "risk_tier": s.risk_tier,
        "lifecycle": s.lifecycle,
        "approval_status": row.approval_status,
        "production_deployments": row.production_deployments,
        "reviews": [
            {
                "function": c.function,
                "status": c.status,
                "due_at": c.due_at,
                "completed_at": c.completed_at,
            }
            for c in row.reviews
        ],
        "overdue_items": row.overdue_items,
        "open_incidents": row.open_incidents,
        "report_due_at": row.report_due_at,
        "spend": {
            "this_month": _money(row.spend_this_month),
            "latest_month": row.latest_period.strftime("%Y-%m") if row.latest_period else None,
            "latest_month_amount": _money(row.latest_spend),
            "monthly_budget": _money(s.monthly_budget),
            "currency": s.budget_currency,
        },
        "cost_centre": s.cost_centre,
        "gaps": [{"code": g.code, "label": g.label, "detail": g.detail} for g in row.gaps],
    }


def map_payload(amap: AccountabilityMap) -> dict[str, Any]:
    return {
        "generated_at": amap.now,
        "month": amap.month.strftime("%Y-%m"),
        "filters": amap.filters.as_params(),
        "total_systems": amap.total_systems,
        "count": len(amap.rows),
        "gap_counts": amap.gap_counts,
        "systems": [row_payload(r) for r in amap.rows],
    }


class AccountabilityMapView(APIView):
    """The accountability map: every system (or those the filters select) with its people,
    approval and review status, overdue items, incidents, spend and gaps."""

    permission_classes = [IsAuthenticated, MapReaderPermission]

    @extend_schema(
        parameters=[
            OpenApiParameter("gaps", OpenApiTypes.BOOL, description="Only systems with a gap."),
            OpenApiParameter("executive", int, description="User id; 0 for none."),
            OpenApiParameter("team", int, description="Owning team id."),
            OpenApiParameter("tier", str, enum=["minimal", "limited", "high", "unacceptable"]),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        try:
            filters = MapFilters.from_params(request.query_params)
        except ValueError as exc:
            raise ValidationError({str(exc): ["Not a valid value for this filter."]}) from exc
        return Response(map_payload(accountability_map(filters=filters)))
