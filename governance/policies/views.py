"""Policies: everyone reads them; compliance edits them through ``policy_update``. The form
carries the ETag of the version it was opened on, so a stale edit is refused, not applied."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from governance.policies import permissions, selectors, services
from governance.policies.forms import PolicyForm
from governance.policies.models import Policy
from registry.core.etags import etag_for
from registry.core.exceptions import PreconditionFailedError


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    """Every tier's policy, with an edit link for those who may edit."""
    context = {
        "policies": list(selectors.policy_list()),
        "can_edit": permissions.can_edit_policies(request.user),
    }
    return render(request, "governance/policy_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Compliance edits one tier's policy."""
    try:
        policy = selectors.policy_list().get(pk=pk)
    except Policy.DoesNotExist:
        raise Http404("No such policy.") from None
    if not permissions.can_edit_policies(request.user):
        raise PermissionDenied("Only compliance edits policies.")
    status = 200
    stale = False
    if request.method == "POST":
        form = PolicyForm(request.POST, policy=policy)
        if form.is_valid():
            try:
                services.policy_update(
                    actor=request.user,
                    policy=policy,
                    data=form.service_data(),
                    if_match=form.cleaned_data["etag"],
                )
            except PreconditionFailedError:
                # Someone saved in between: show the current policy, say so, apply nothing.
                status = 409
                stale = True
                policy.refresh_from_db()
                fresh = PolicyForm.initial_for(policy, etag_for(policy))
                form = PolicyForm(initial=fresh, policy=policy)
            except ValidationError as exc:
                status = 400
                for field, errors in exc.message_dict.items():
                    target = None if field == "__all__" else field
                    if target == "escalation_hours":
                        target = "escalate_exec_hours"
                    if target == "review_cadence_days":
                        target = None
                    form.add_error(target, errors)
            else:
                messages.success(request, f"Saved: {policy}.")
                return redirect("governance:policies")
        else:
            status = 400
    else:
        form = PolicyForm(initial=PolicyForm.initial_for(policy, etag_for(policy)), policy=policy)
    return render(
        request,
        "governance/policy_edit.html",
        {"policy": policy, "form": form, "stale": stale},
        status=status,
    )
