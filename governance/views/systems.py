"""The system and version pages. The system page: the record (owners, risk, models and versions
with their lineage, deployments, incidents, history) joined with its governance (approvals with
each function's status; risk reviews and the risk register, as far as the user may see them).
The version page: one model version's card, artifact, lineage with the jobs that made it,
deployments, approvals and audit history. They live in governance because the registry never
imports governance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from registry import audit_selectors
from registry import selectors as registry_selectors
from registry.models import AISystem, ModelVersion

from .. import permissions, ui_selectors

HISTORY_ROWS = 25
REVIEW_ROWS = 20


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
    found = ui_selectors.versions_lineage(versions)
    lineage = [
        (v, found[v.pk].links, found[v.pk].upstream, found[v.pk].truncated) for v in versions
    ]
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
    }
    return render(request, "governance/system_detail.html", context)


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One model version: what it is, what it was built from (as far upstream as the lineage
    goes), where it runs, its approvals and its history. Everyone signed in reads the
    inventory, as on the system page."""
    try:
        version = registry_selectors.version_list().get(pk=pk)
    except ModelVersion.DoesNotExist:
        raise Http404("No such model version.") from None
    lineage = ui_selectors.version_lineage(version)
    context = {
        "version": version,
        "system": version.model.system,
        "links": lineage.links,
        "upstream": lineage.upstream,
        "edges": lineage.edges,
        "truncated": lineage.truncated,
        "deployments": list(
            registry_selectors.deployment_list()
            .filter(model_version=version)
            .order_by("-deployed_at")
        ),
        "approvals": ui_selectors.version_approvals(version, request.user),
        "history": list(audit_selectors.audit_history(version)[:HISTORY_ROWS]),
    }
    return render(request, "governance/version_detail.html", context)
