"""Approvals: the list, one request's page with its sign-off form (or the reason I may not
sign, straight from ``signoff_refusal``), and the requester's withdraw and resubmit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from governance.approvals import permissions, selectors, services
from governance.approvals.choices import ApprovalStatus
from governance.approvals.forms import ReasonForm, SignoffForm
from governance.approvals.models import ApprovalRequest
from registry.core.exceptions import ConflictError
from registry.core.views import error_message, is_htmx, paginate, query_without_page
from registry.evidence import selectors as evidence_selectors
from registry.inventory import selectors as inventory_selectors


@login_required
def approval_list(request: HttpRequest) -> HttpResponse:
    """Every request, newest first; filter by status (pending by default)."""
    status = request.GET.get("status", ApprovalStatus.PENDING)
    approvals = selectors.approval_list()
    if status in ApprovalStatus.values:
        approvals = approvals.filter(status=status)
    else:
        status = ""
    page = paginate(request, approvals.order_by("-created_at", "-pk"))
    context = {
        "page": page,
        "status": status,
        "statuses": ApprovalStatus.choices,
        "query": query_without_page(request),
    }
    return render(request, "governance/approval_list.html", context)


def _get_approval(pk: int) -> ApprovalRequest:
    try:
        return selectors.approval_detail(pk)
    except ApprovalRequest.DoesNotExist:
        raise Http404("No such approval request.") from None


def _panel_context(
    request: HttpRequest, approval: ApprovalRequest, form: SignoffForm | None = None
) -> dict[str, Any]:
    """What the sign-off panel shows: each function's status and the form, or the reasons."""
    statuses = selectors.function_statuses(approval, request.user)
    signable = [s.function for s in statuses if s.refusal is None]
    if form is None and signable:
        form = SignoffForm(functions=signable)
    return {
        "approval": approval,
        "statuses": statuses,
        "form": form if signable else None,
        "can_withdraw": permissions.can_withdraw(request.user, approval)
        and approval.status
        in (ApprovalStatus.PENDING, ApprovalStatus.CHANGES_REQUESTED, ApprovalStatus.APPROVED),
        "can_resubmit": permissions.can_withdraw(request.user, approval)
        and approval.status == ApprovalStatus.CHANGES_REQUESTED,
    }


@login_required
@require_http_methods(["GET", "POST"])
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One request: the version's model card, metrics, digest and datasets, earlier sign-offs,
    and the sign-off form. A POST records a sign-off through ``signoff_record``; htmx gets the
    panel back, a plain form post is redirected (post/redirect/get)."""
    approval = _get_approval(pk)
    status = 200
    error = None
    form = None
    if request.method == "POST":
        statuses = selectors.function_statuses(approval, request.user)
        signable = [s.function for s in statuses if s.refusal is None]
        form = SignoffForm(request.POST, functions=signable)
        if not signable:
            # Nothing this user may sign: the same reasons the page shows, as a 403.
            reasons = {s.refusal for s in statuses}
            raise PermissionDenied(" ".join(sorted(r for r in reasons if r)))
        if form.is_valid():
            try:
                services.signoff_record(
                    actor=request.user,
                    approval=approval,
                    function=form.cleaned_data["function"],
                    decision=form.cleaned_data["decision"],
                    comment=form.cleaned_data["comment"],
                    conditions=form.cleaned_data["conditions"],
                )
            except (PermissionDenied, ConflictError, ValidationError) as exc:
                error = error_message(exc)
                status = (
                    409
                    if isinstance(exc, ConflictError)
                    else 403
                    if isinstance(exc, PermissionDenied)
                    else 400
                )
            else:
                approval = _get_approval(pk)
                done = f"Recorded: {form.cleaned_data['function']} {form.cleaned_data['decision']}"
                done += f". The request is now {approval.get_status_display().lower()}."
                if is_htmx(request):
                    context = _panel_context(request, approval) | {"notice": done}
                    return render(request, "governance/_signoff_panel.html", context)
                messages.success(request, done)
                return redirect("governance:approval", pk=pk)
        else:
            status = 400
        if error is not None:
            approval = _get_approval(pk)
            form = None  # the state changed under us: show the fresh form
    context = _panel_context(request, approval, form) | {"error": error}
    if is_htmx(request) and request.method == "POST":
        return render(request, "governance/_signoff_panel.html", context, status=status)
    version = approval.model_version
    lineage = inventory_selectors.version_lineage(version)
    earlier = [s for s in approval.signoffs.all() if s.round < approval.round]
    context |= {
        "version": version,
        "system": version.model.system,
        "links": lineage.links,
        "upstream": lineage.upstream,
        "earlier": earlier,
        "overdue": approval.status == ApprovalStatus.PENDING and approval.due_at < timezone.now(),
        # What the reviewers sign on: the request's evidence and its version's.
        "evidence": evidence_selectors.evidence_panel(request.user, approval, also=[version]),
    }
    return render(request, "governance/approval_detail.html", context, status=status)


@login_required
@require_POST
def approval_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The requester withdraws an open request."""
    approval = _get_approval(pk)
    if not permissions.can_withdraw(request.user, approval):
        raise PermissionDenied("Only the requester may withdraw the request.")
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.approval_withdraw(
            actor=request.user, approval=approval, reason=form.cleaned_data.get("reason", "")
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The request was withdrawn.")
    return redirect("governance:approval", pk=pk)


@login_required
@require_POST
def approval_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """The requester resubmits after changes were requested: a new round of sign-offs."""
    approval = _get_approval(pk)
    if not permissions.can_withdraw(request.user, approval):
        raise PermissionDenied("Only the requester may resubmit the request.")
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        services.approval_resubmit(
            actor=request.user,
            approval=approval,
            justification=form.cleaned_data.get("reason", ""),
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Resubmitted: sign-offs start a new round.")
    return redirect("governance:approval", pk=pk)
