"""Web UI views of the registry: the systems list (filters and search, paginated) and the audit
log with the chain's verification. The system page joins governance, so it lives there."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import audit_selectors, inventory_selectors, permissions, selectors
from .api.audit_views import AuditEventFilter
from .audit_verify import verify_ledger
from .choices import AuditSource, Lifecycle, RiskTier

PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def systems(request: HttpRequest) -> HttpResponse:
    """Every system, filtered by risk tier, lifecycle and team and searched by ``q``. htmx
    requests (the filter form) get the results table only."""
    queryset, filterset = inventory_selectors.system_search(request.GET, request=request)
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
        "query": _query_without_page(request),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "registry/_systems_results.html", context)
    return render(request, "registry/systems.html", context)


def _require_audit_reader(request: HttpRequest) -> None:
    if not permissions.can_read_audit_trail(request.user):
        raise PermissionDenied("Only auditors, compliance and executives read the audit log.")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The ledger, newest first, filtered as the API filters it; the chain's verification is
    loaded alongside (htmx) or on request (``?verify=1``), since it walks the whole ledger."""
    _require_audit_reader(request)
    filterset = AuditEventFilter(request.GET, queryset=audit_selectors.audit_event_list())
    events = filterset.qs if filterset.is_valid() else audit_selectors.audit_event_list().none()
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filter": filterset,
        "sources": AuditSource.choices,
        "query": _query_without_page(request),
        "verification": _verify() if request.GET.get("verify") == "1" else None,
    }
    return render(request, "registry/audit_log.html", context)


def _verify():
    return verify_ledger(checkpoint_dir=settings.STEWARD_AUDIT_CHECKPOINT_DIR)


@login_required
def audit_verify(request: HttpRequest) -> HttpResponse:
    """The chain's verification as a fragment (for htmx) — the same check as the API's."""
    _require_audit_reader(request)
    return render(request, "registry/_audit_verification.html", {"verification": _verify()})
