"""The pack's download from the system page (session sign-in), as the API serves it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from registry.core.exceptions import ConflictError
from registry.inventory.models import AISystem
from registry.pack import downloads


@login_required
@require_GET
def audit_pack(request: HttpRequest, pk: int) -> HttpResponse:
    """The zip; a ledger that does not verify is a message on the system page instead."""
    try:
        system = AISystem.objects.select_related("owning_team").get(pk=pk)
    except AISystem.DoesNotExist:
        raise Http404("No such system.") from None
    try:
        return downloads.pack_response(request.user, system)
    except ConflictError as exc:
        messages.error(request, f"No auditor pack: {exc.message}")
        return HttpResponseRedirect(reverse("governance:system", args=[system.slug]), status=303)
