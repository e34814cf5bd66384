"""The evidence panel's actions on the pages: attach a file or link, add a version, withdraw,
and download. Each calls the same service as the API and returns to the page it came from
(post/redirect/get), with what happened as a message.

Uploads install ``EvidenceUploadHandler`` before anything reads the body, so these views are
exempt from the CSRF middleware (which would read it first) and check CSRF themselves, after."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from registry.core.exceptions import ConflictError, PayloadTooLargeError
from registry.core.views import error_message
from registry.evidence import downloads, selectors, services
from registry.evidence.forms import EvidenceAttachForm, EvidenceVersionForm, WithdrawForm
from registry.evidence.models import EvidenceItem
from registry.evidence.uploads import body_limit, use_evidence_upload_handler


def _next_url(request: HttpRequest) -> str:
    """The page the form was on (``?next=`` of the form's action: the body may not have been
    read), if it is one of ours; else the dashboard."""
    target = request.GET.get("next") or "/"
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return "/"
    return target


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page (303), where the message shows. The upload script (which cannot stop
    its request from following a redirect, and so from using up the message) is told where to
    go instead."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return JsonResponse({"location": _next_url(request)})
    return HttpResponseRedirect(_next_url(request), status=303)


def _visible(request: HttpRequest, pk: int) -> EvidenceItem:
    try:
        return selectors.evidence_visible_to(request.user).get(pk=pk)
    except EvidenceItem.DoesNotExist:
        raise Http404("No such evidence.") from None


def _upload_view(inner: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Installs the upload handler, then checks CSRF and sign-in; a body over the limit is
    answered 413 with the page it came from."""

    protected = login_required(csrf_protect(inner))

    @csrf_exempt
    @require_POST
    def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        use_evidence_upload_handler(request)
        try:
            return protected(request, *args, **kwargs)
        except PayloadTooLargeError as exc:
            context = {"message": exc.message, "back": _next_url(request)}
            return render(request, "registry/evidence_too_large.html", context, status=413)
        except ValidationError as exc:
            # A refusal raised while the body was read (a program's name, an unknown type).
            messages.error(request, f"Not attached: {error_message(exc)}")
            return _back(request)

    view.__name__ = inner.__name__
    view.__doc__ = inner.__doc__
    view.body_limit = body_limit
    return view


def _act(request: HttpRequest, form, refused: str, action: Callable[[dict], str]) -> HttpResponse:
    """Check the form, then run the service with its data; a refusal of the input or the state
    is a message on the page (a refused permission is the 403 page, an unseen subject the 404
    page)."""
    if not form.is_valid():
        messages.error(request, f"{refused}: {_errors(form)}")
        return _back(request)
    try:
        done = action(form.service_fields())
    except (ConflictError, ValidationError) as exc:
        messages.error(request, f"{refused}: {error_message(exc)}")
    else:
        messages.success(request, done)
    return _back(request)


@_upload_view
def evidence_attach(request: HttpRequest) -> HttpResponse:
    """Attach a file or link to the page's subject."""

    def attach(data: dict) -> str:
        item = services.evidence_attach(actor=request.user, **data)
        return f"Attached '{item.title}'" + (f" (sha256 {item.sha256})." if item.sha256 else ".")

    form = EvidenceAttachForm(request.POST, request.FILES)
    return _act(request, form, "Not attached", attach)


@_upload_view
def evidence_version(request: HttpRequest, pk: int) -> HttpResponse:
    """A corrected version of an item (a new file or link)."""
    item = _visible(request, pk)

    def supersede(data: dict) -> str:
        new = services.evidence_supersede(actor=request.user, item=item, **data)
        return f"'{new.title}' is now version {new.version}; version {item.version} is kept."

    form = EvidenceVersionForm(request.POST, request.FILES)
    return _act(request, form, "No new version", supersede)


@login_required
@require_POST
def evidence_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw an item, saying why; it stays in the record."""
    item = _visible(request, pk)

    def withdraw(data: dict) -> str:
        services.evidence_withdraw(actor=request.user, item=item, reason=data["reason"])
        return f"'{item.title}' was withdrawn; it stays in the record."

    return _act(request, WithdrawForm(request.POST), "Not withdrawn", withdraw)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file, as the API serves it (an attachment, nosniff, a sandboxing CSP)."""
    item = _visible(request, pk)
    try:
        return downloads.download(request.user, item)
    except ConflictError:
        return HttpResponseRedirect(item.link_url)


def _errors(form) -> str:
    out = []
    for name, errors in form.errors.items():
        text = " ".join(errors)
        out.append(text if name == "__all__" else f"{name.replace('_', ' ')}: {text}")
    return " ".join(out)
