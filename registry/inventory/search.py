"""Read queries over the inventory for the web UI: the systems list with its filters and search,
and the counts the dashboard shows. The API's filterset is reused, so a filter means the same
thing on a page and in ``/api/v1/systems/``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from registry.inventory import selectors
from registry.inventory.api.filtersets import SystemFilter
from registry.inventory.choices import Lifecycle, RiskTier
from registry.inventory.models import AISystem

SEARCH_FIELDS = ("name", "slug", "purpose", "business_unit", "vendor")


def system_search(params: Mapping[str, Any], *, request: Any = None) -> tuple[QuerySet, Any]:
    """Systems filtered by the API's ``SystemFilter`` (risk tier, lifecycle, owning team …) and
    searched with ``q`` over the same fields as the API's ``search``. Returns the queryset
    (ordered by name) and the bound filterset, whose ``form`` carries the errors."""
    filterset = SystemFilter(params, queryset=selectors.system_list(), request=request)
    queryset = filterset.qs if filterset.is_valid() else selectors.system_list().none()
    query = str(params.get("q", "")).strip()
    if query:
        condition = Q()
        for name in SEARCH_FIELDS:
            condition |= Q(**{f"{name}__icontains": query})
        queryset = queryset.filter(condition)
    return queryset.order_by("name", "pk"), filterset


@dataclass
class TierLifecycleTable:
    """Counts of systems by risk tier (rows) and lifecycle (columns), with totals. Each row is
    ``(tier, tier label, [(lifecycle, count), …], row total)``."""

    tiers: list[tuple[str, str]]
    lifecycles: list[tuple[str, str]]
    rows: list[tuple[str, str, list[tuple[str, int]], int]]
    column_totals: list[int]
    total: int


def systems_by_tier_and_lifecycle() -> TierLifecycleTable:
    """One grouped query: how many systems sit in each (risk tier, lifecycle)."""
    counts = {
        (row["risk_tier"], row["lifecycle"]): row["n"]
        for row in AISystem.objects.values("risk_tier", "lifecycle").annotate(n=Count("pk"))
    }
    tiers = list(RiskTier.choices)
    lifecycles = list(Lifecycle.choices)
    rows = []
    for value, label in tiers:
        cells = [(lc, counts.get((value, lc), 0)) for lc, _ in lifecycles]
        rows.append((value, label, cells, sum(n for _, n in cells)))
    column_totals = [sum(r[2][i][1] for r in rows) for i in range(len(lifecycles))]
    return TierLifecycleTable(tiers, lifecycles, rows, column_totals, sum(column_totals))
