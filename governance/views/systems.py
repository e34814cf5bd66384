"""The system page: the record (owners, risk, models and versions with their lineage,
deployments, incidents, history) joined with its governance (approvals with each function's
status; risk reviews and the risk register, as far as the user may see them). It lives in
governance because the registry never imports governance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone

from registry import audit_selectors
from registry import selectors as registry_selectors
from registry.models import AISystem

from .. import permissions, ui_selectors

LINEAGE_DEPTH = 3
HISTORY_ROWS = 25
REVIEW_ROWS = 20
SPEND_PARTIAL = "registry/_spend.html"


def _spend_partial() -> str | None:
    """The spend chart partial, when the cost records feature has installed it."""
    try:
        get_template(SPEND_PARTIAL)
    except TemplateDoesNotExist:
        return None
    return SPEND_PARTIAL


@login_required
def system_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Everything about one system on one page. Everyone signed in reads the inventory."""
    try:
        system = registry_selectors.system_list().get(slug=slug)
    except AISystem.DoesNotExist:
        raise Http404("No such system.") from None
    now = timezone.now()
    versions = list(
        registry_selectors.version_list()
        .filter(model__system=system)
        .order_by("model__name", "-created_at")
    )
    lineage = []
    for version in versions:
        links, graph = registry_selectors.version_upstream(version, depth=LINEAGE_DEPTH)
        upstream = sorted(
            (graph.nodes[i] for i, d in graph.distance.items() if d > 1 and i in graph.nodes),
            key=lambda d: (d.namespace, d.name),
        )
        lineage.append((version, links, upstream, graph.truncated))
    context = {
        "system": system,
        "models": list(registry_selectors.model_list().filter(system=system).order_by("name")),
        "lineage": lineage,
        "deployments": list(
            registry_selectors.deployment_list()
            .filter(model_version__model__system=system)
            .order_by("-deployed_at")
        ),
        "incidents": list(
            registry_selectors.incident_list().filter(system=system).order_by("-opened_at")
        ),
        "approvals": ui_selectors.system_approvals(system, request.user),
        "reviews": ui_selectors.system_reviews(system, request.user, limit=REVIEW_ROWS, now=now),
        "review_rows": REVIEW_ROWS,
        "findings": ui_selectors.system_findings(system, request.user),
        "reads_risk_records": permissions.reads_all_risk_records(request.user),
        "now": now,
        "today": timezone.localdate(now),
        "history": list(audit_selectors.audit_history(system)[:HISTORY_ROWS]),
        "spend_partial": _spend_partial(),
    }
    return render(request, "governance/system_detail.html", context)
