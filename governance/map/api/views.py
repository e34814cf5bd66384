"""``GET /api/v1/accountability-map/``: the map as JSON, from the same selector as the page and
the CSV, with the same filters (``gaps``, ``executive``, ``team``, ``tier``). One document, not a
paginated list: it is what an executive dashboard or a GRC tool pulls whole."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.map import permissions
from governance.map.rows import AccountabilityMap, MapFilters, SystemRow
from governance.map.selectors import accountability_map


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


def _when(value: dt.datetime | None) -> str | None:
    """A datetime written as DRF's JSON encoder writes it (ISO 8601, ``Z`` for UTC). Done here
    because the encoder's per-value fallback, called for thousands of review dates, cost more
    than encoding the rest of the document."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def row_payload(row: SystemRow, people: dict[int, Any] | None = None) -> dict[str, Any]:
    """One system's entry. ``people`` (user id → entry) lets a whole map build each person's
    entry once however many systems name them."""
    s = row.system
    if people is None:
        people = {}
    owner, executive = s.technical_owner, s.accountable_executive
    if owner is not None and owner.pk not in people:
        people[owner.pk] = _person(owner)
    if executive is not None and executive.pk not in people:
        people[executive.pk] = _person(executive)
    return {
        "id": s.pk,
        "name": s.name,
        "slug": s.slug,
        "url": f"/systems/{s.slug}/",
        "accountable_executive": people[executive.pk] if executive is not None else None,
        "owning_team": {"id": s.owning_team_id, "name": s.owning_team.name},
        "technical_owner": people[owner.pk] if owner is not None else None,
        "risk_tier": s.risk_tier,
        "lifecycle": s.lifecycle,
        "approval_status": row.approval_status,
        "production_deployments": row.production_deployments,
        "reviews": [
            {
                "function": c.function,
                "status": c.status,
                "due_at": _when(c.due_at),
                "completed_at": _when(c.completed_at),
            }
            for c in row.reviews
        ],
        "overdue_items": row.overdue_items,
        "open_incidents": row.open_incidents,
        "report_due_at": _when(row.report_due_at),
        "spend": {
            "this_month": _money(row.spend_this_month),
            "latest_month": row.latest_month,
            "latest_month_amount": _money(row.latest_spend),
            "monthly_budget": _money(s.monthly_budget),
            "currency": s.budget_currency,
        },
        "cost_centre": s.cost_centre,
        "gaps": [{"code": g.code, "label": g.label, "detail": g.detail} for g in row.gaps],
    }


def map_payload(amap: AccountabilityMap) -> dict[str, Any]:
    people: dict[int, Any] = {}
    return {
        "generated_at": amap.now,
        "month": amap.month.strftime("%Y-%m"),
        "filters": amap.filters.as_params(),
        "total_systems": amap.total_systems,
        "count": len(amap.rows),
        "gap_counts": amap.gap_counts,
        "systems": [row_payload(r, people) for r in amap.rows],
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
