"""Web UI views of the audit log, with the chain's verification."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.audit import permissions
from registry.audit import selectors as audit_selectors
from registry.audit.api.views import AuditEventFilter
from registry.audit.choices import AuditSource
from registry.audit.verify import verify_ledger
from registry.core.views import query_without_page

AUDIT_PAGE_SIZE = 50


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
        "query": query_without_page(request),
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
