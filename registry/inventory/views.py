"""Web UI view of the inventory: the systems list (filters and search, paginated). The system page
joins governance, so it lives there."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.core.views import query_without_page
from registry.inventory import search
from registry.inventory.choices import Lifecycle, RiskTier
from registry.people import selectors

PAGE_SIZE = 25


@login_required
def systems(request: HttpRequest) -> HttpResponse:
    """Every system, filtered by risk tier, lifecycle and team and searched by ``q``. htmx
    requests (the filter form) get the results table only."""
    queryset, filterset = search.system_search(request.GET, request=request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filter_errors": filterset.errors,
        "q": request.GET.get("q", ""),
        "risk_tiers": RiskTier.choices,
        "lifecycles": Lifecycle.choices,
        "teams": selectors.team_list().order_by("name"),
        "selected": {
            "risk_tier": request.GET.getlist("risk_tier"),
            "lifecycle": request.GET.getlist("lifecycle"),
            "owning_team": request.GET.get("owning_team", ""),
        },
        "query": query_without_page(request),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "registry/_systems_results.html", context)
    return render(request, "registry/systems.html", context)
