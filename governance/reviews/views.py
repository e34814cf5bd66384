"""Risk reviews: the list (mine, overdue, by function, status and system; overdue first) and one
review's page with its completion form, or the reason I may not do it, straight from
``review_work_refusal``; compliance and the function's lead reassign, reschedule and cancel.

Every write goes through ``governance.reviews`` — the services the API calls — and every "may
I?" through ``governance.permissions``. A review the user may not see is a 404; an action they
may not take is a 403 with the reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.views.decorators.http import require_http_methods, require_POST

from governance.policies.choices import ReviewFunction
from governance.reviews import permissions, selectors
from governance.reviews import services as reviews
from governance.reviews.choices import ReviewStatus
from governance.reviews.findings import finding_update
from governance.reviews.forms import (
    FindingForm,
    ReviewCancelForm,
    ReviewCompleteForm,
    ReviewManageForm,
)
from governance.reviews.models import RiskFinding, RiskReview
from registry.audit import selectors as audit_selectors
from registry.core.etags import etag_for
from registry.core.exceptions import ConflictError, PreconditionFailedError
from registry.core.views import error_message, is_htmx, paginate, query_without_page
from registry.inventory.models import AISystem

PANEL = "governance/_review_panel.html"


def _status_for(exc: Exception) -> int:
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, PermissionDenied):
        return 403
    return 400


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The reviews I may see, filtered like the API's list, overdue first. htmx requests (the
    filter form) get the results only."""
    now = timezone.now()
    queryset, filterset = selectors.review_search(
        request.user, request.GET, request=request, now=now
    )
    context = {
        "page": paginate(request, queryset),
        "filter_errors": filterset.errors,
        "functions": ReviewFunction.choices,
        "statuses": ReviewStatus.choices,
        "systems": AISystem.objects.order_by("name").values_list("pk", "name"),
        "selected": {
            "mine": request.GET.get("mine") == "true",
            "overdue": request.GET.get("overdue") == "true",
            "function": request.GET.get("function", ""),
            "status": request.GET.get("status") or selectors.STATUS_ACTIVE,
            "system": request.GET.get("system", ""),
        },
        "query": query_without_page(request),
        "now": now,
    }
    if is_htmx(request):
        return render(request, "governance/_review_results.html", context)
    return render(request, "governance/review_list.html", context)


def _get_review(request: HttpRequest, pk: int) -> RiskReview:
    try:
        return selectors.review_detail(pk, request.user)
    except RiskReview.DoesNotExist:
        raise Http404("No such review.") from None


def _panel_context(
    request: HttpRequest, review: RiskReview, form: ReviewCompleteForm | None = None
) -> dict[str, Any]:
    """What the work panel shows: the status and outcome, the next review once completed, and
    the start and completion forms — or the reason the user may not do this review."""
    refusal = permissions.review_work_refusal(request.user, review)
    if form is None and refusal is None:
        form = ReviewCompleteForm()
    return {
        "review": review,
        "refusal": refusal,
        "form": form if refusal is None else None,
        "overdue": review.is_active and review.due_at < timezone.now(),
        "next_review": (
            selectors.next_review(review, request.user)
            if review.status == ReviewStatus.COMPLETED
            else None
        ),
    }


def _completed_notice(review: RiskReview, following: RiskReview | None) -> str:
    done = (
        f"Completed: rated {review.get_rating_display().lower()}, "
        f"{review.get_recommendation_display().lower()}."
    )
    if following is None:
        return done + " No further review is scheduled for this function."
    who = following.assignee.get_username() if following.assignee else "nobody yet"
    due = dateformat.format(timezone.localtime(following.due_at), "j M Y")
    return done + f" The next {following.function} review is due {due} ({who})."


def _render_page(
    request: HttpRequest,
    review: RiskReview,
    *,
    form: ReviewCompleteForm | None = None,
    manage_form: ReviewManageForm | None = None,
    error: str | None = None,
    manage_error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _panel_context(request, review, form) | {"error": error}
    findings = selectors.system_findings(review.system, request.user)
    can_manage = review.is_active and permissions.can_manage_reviews(request.user, review.function)
    if can_manage and manage_form is None:
        manage_form = ReviewManageForm(
            initial=ReviewManageForm.initial_for(review, etag_for(review)), review=review
        )
    context |= {
        "system": review.system,
        "previous": review.previous,
        "function_findings": [
            f for f in findings if f.review and f.review.function == review.function
        ],
        "other_findings": [
            f for f in findings if not (f.review and f.review.function == review.function)
        ],
        "can_manage": can_manage,
        "manage_form": manage_form if can_manage else None,
        "manage_error": manage_error,
        "cancel_form": ReviewCancelForm() if can_manage else None,
        "today": timezone.localdate(),
    }
    return render(request, "governance/review_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One review: its system, function, assignee, due date, the previous review's outcome,
    the system's findings, and the completion form. A POST completes it through
    ``review_complete``, which opens the next review by the policy's cadence; htmx gets the
    panel back, a plain form post is redirected (post/redirect/get)."""
    review = _get_review(request, pk)
    if request.method == "GET":
        return _render_page(request, review)
    refusal = permissions.review_work_refusal(request.user, review)
    if refusal is not None:
        raise PermissionDenied(refusal)
    form = ReviewCompleteForm(request.POST)
    error = None
    status = 400
    if form.is_valid():
        try:
            reviews.review_complete(actor=request.user, review=review, **form.cleaned_data)
        except (PermissionDenied, ConflictError, ValidationError) as exc:
            # The state changed under us: say why and show the fresh state.
            error, status = error_message(exc), _status_for(exc)
            review, form = _get_review(request, pk), None
        else:
            review = _get_review(request, pk)
            done = _completed_notice(review, selectors.next_review(review, request.user))
            if is_htmx(request):
                context = _panel_context(request, review) | {"notice": done}
                return render(request, PANEL, context)
            messages.success(request, done)
            return redirect("governance:review", pk=pk)
    if is_htmx(request):
        context = _panel_context(request, review, form) | {"error": error}
        return render(request, PANEL, context, status=status)
    return _render_page(request, review, form=form, error=error, status=status)


@login_required
@require_POST
def review_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Say the review is under way (``review_start``); an unassigned review becomes mine."""
    review = _get_review(request, pk)
    refusal = permissions.review_work_refusal(request.user, review)
    if refusal is not None:
        raise PermissionDenied(refusal)
    error = notice = None
    status = 200
    try:
        reviews.review_start(actor=request.user, review=review)
    except (PermissionDenied, ConflictError) as exc:
        error, status = error_message(exc), _status_for(exc)
    else:
        notice = "Started: the review is in progress and assigned to you."
    review = _get_review(request, pk)
    if is_htmx(request):
        context = _panel_context(request, review) | {"notice": notice, "error": error}
        return render(request, PANEL, context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("governance:review", pk=pk)


@login_required
@require_POST
def review_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """Compliance or the function's lead reassigns or reschedules (``review_update``)."""
    review = _get_review(request, pk)
    permissions.require_manage_reviews(request.user, review.function)
    form = ReviewManageForm(request.POST, review=review)
    if not form.is_valid():
        return _render_page(request, review, manage_form=form, status=400)
    data = form.service_data()
    if not data:
        messages.info(request, "Nothing changed.")
        return redirect("governance:review", pk=pk)
    try:
        reviews.review_update(
            actor=request.user, review=review, data=data, if_match=form.cleaned_data["etag"]
        )
    except PreconditionFailedError:
        review = _get_review(request, pk)
        return _render_page(
            request,
            review,
            manage_error="Someone changed this review after you opened it. Here is the "
            "current state; nothing was saved.",
            status=409,
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _render_page(request, review, manage_form=form, status=400)
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Saved: the review's assignee and due date.")
    return redirect("governance:review", pk=pk)


@login_required
@require_POST
def review_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Compliance or the function's lead cancels an active review (``review_cancel``)."""
    review = _get_review(request, pk)
    permissions.require_manage_reviews(request.user, review.function)
    form = ReviewCancelForm(request.POST)
    form.is_valid()
    try:
        reviews.review_cancel(
            actor=request.user, review=review, reason=form.cleaned_data.get("reason", "")
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The review was cancelled.")
    return redirect("governance:review", pk=pk)


# --- The risk register ------------------------------------------------------------------------

FINDING_HISTORY_ROWS = 25


@login_required
@require_http_methods(["GET", "POST"])
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One finding of the risk register and its history; whoever may change it (reviewers, the
    system's owners, the finding's owner) works it to closure here (``finding_update``, the
    service the API calls). A finding the user may not see is a 404."""
    try:
        finding = (
            selectors.finding_list().filter(permissions.finding_visibility(request.user)).get(pk=pk)
        )
    except RiskFinding.DoesNotExist:
        raise Http404("No such finding.") from None
    may_change = permissions.can_change_finding(request.user, finding)
    form, stale, status = None, False, 200
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied(
                "Only reviewers, the system's owners and the finding's owner may."
            )
        form = FindingForm(request.POST, finding=finding)
        if form.is_valid():
            data = form.service_data()
            if not data:
                messages.info(request, "Nothing changed.")
                return redirect("governance:finding", pk=pk)
            try:
                finding_update(
                    actor=request.user,
                    finding=finding,
                    data=data,
                    if_match=form.cleaned_data["etag"],
                )
            except PreconditionFailedError:
                # Someone saved in between: show the current finding, say so, apply nothing.
                stale, status = True, 409
                finding = selectors.finding_list().get(pk=pk)
                form = FindingForm(
                    initial=FindingForm.initial_for(finding, etag_for(finding)), finding=finding
                )
            except PermissionDenied as exc:  # accepting a risk takes a reviewing function
                status = 403
                _add_errors(form, exc.args[0] if exc.args else str(exc))
            except ValidationError as exc:
                status = 400
                _add_errors(form, exc.message_dict)
            else:
                messages.success(request, f"Saved: {finding.title}.")
                return redirect("governance:finding", pk=pk)
        else:
            status = 400
    elif may_change:
        form = FindingForm(
            initial=FindingForm.initial_for(finding, etag_for(finding)), finding=finding
        )
    context = {
        "finding": finding,
        "form": form,
        "stale": stale,
        "today": timezone.localdate(),
        "history": list(audit_selectors.audit_history(finding)[:FINDING_HISTORY_ROWS]),
    }
    return render(request, "governance/finding_detail.html", context, status=status)


def _add_errors(form: FindingForm, errors: Any) -> None:
    """A service's refusal or validation errors, on the fields they name."""
    if not isinstance(errors, dict):
        form.add_error(None, str(errors))
        return
    for field, messages_ in errors.items():
        form.add_error(field if field in form.fields else None, messages_)
