"""The accountability map's pages: the table (grouped executive → team → system), the graph, and
the CSV export of exactly the rows the filters select.

Who sees it: executives, compliance, auditors and superusers
(``governance.permissions.can_view_accountability_map``). Engineers and the other reviewing
functions get a 403 page saying why and where their information is: the map is an oversight
view across every system, including spend and review state, not a working list. Everything here
is read-only; the views only parse filters, call the one selector and render.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from governance.map import permissions
from governance.map.graph import map_graph
from governance.map.rows import AccountabilityMap, MapFilters
from governance.map.selectors import accountability_map, filter_options

GRAPH_LIMIT = 300

CSV_HEADER = [
    "accountable_executive",
    "team",
    "system",
    "system_id",
    "technical_owner",
    "risk_tier",
    "lifecycle",
    "approval_status",
    "reviews",
    "overdue_items",
    "open_incidents",
    "report_due_at",
    "spend_this_month",
    "latest_month",
    "latest_month_spend",
    "monthly_budget",
    "currency",
    "cost_centre",
    "gaps",
]


def _filters(request: HttpRequest) -> MapFilters | HttpResponse:
    try:
        return MapFilters.from_params(request.GET)
    except ValueError as exc:
        return HttpResponseBadRequest(f"Bad value for the filter '{exc}'.")


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    """The map: the table by default, ``?view=graph`` for the graph. An htmx request (the filter
    form) gets only the results fragment."""
    permissions.require_view_accountability_map(request.user)
    filters = _filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    view = "graph" if request.GET.get("view") == "graph" else "table"
    amap = accountability_map(
        filters=filters, include_graph=view == "graph", graph_limit=GRAPH_LIMIT
    )
    context: dict[str, Any] = {
        "map": amap,
        "view": view,
        "options": filter_options(),
        "query": urlencode(filters.as_params()),
    }
    if view == "graph":
        # Past a few hundred systems a drawing is no longer readable (nor quick to draw): ask
        # for a filter instead of drawing thousands of boxes.
        context["graph_limit"] = GRAPH_LIMIT
        context["graph"] = map_graph(amap.rows) if len(amap.rows) <= GRAPH_LIMIT else None
    template = "governance/_map_results.html" if request.headers.get("HX-Request") else None
    return render(request, template or "governance/map.html", context)


def csv_rows(amap: AccountabilityMap) -> Iterator[list[Any]]:
    """The map's rows as CSV records (after the header), in the page's order."""
    yield CSV_HEADER
    for row in amap.rows:
        s = row.system
        ex, owner = s.accountable_executive, s.technical_owner
        yield [
            ex.get_username() if ex else "",
            s.owning_team.name,
            s.name,
            s.pk,
            owner.get_username() if owner else "",
            s.risk_tier,
            s.lifecycle,
            row.approval_status,
            "; ".join(f"{c.function}: {c.label}" for c in row.reviews),
            row.overdue_items,
            row.open_incidents,
            row.report_due_at.isoformat() if row.report_due_at else "",
            row.spend_this_month if row.spend_this_month is not None else "",
            row.latest_month or "",
            row.latest_spend if row.latest_spend is not None else "",
            s.monthly_budget if s.monthly_budget is not None else "",
            s.budget_currency,
            s.cost_centre,
            "; ".join(g.text for g in row.gaps),
        ]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer into a stream."""

    def write(self, value: str) -> str:
        return value


@login_required
def map_csv(request: HttpRequest) -> HttpResponse:
    """Exactly the rows the same filters show on the page, streamed as CSV."""
    permissions.require_view_accountability_map(request.user)
    filters = _filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    amap = accountability_map(filters=filters)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(r) for r in csv_rows(amap)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate(amap.now).isoformat()
    response["Content-Disposition"] = f'attachment; filename="accountability-map-{stamp}.csv"'
    return response
