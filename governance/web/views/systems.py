"""The system and version pages. The system page: the record (owners, risk, models and versions
with their lineage, deployments, incidents, history) joined with its governance (approvals with
each function's status; risk reviews and the risk register, as far as the user may see them).
The version page: one model version's card, artifact, lineage with the jobs that made it,
deployments, approvals, evidence, model card and audit history. They live in governance because
the registry never imports governance."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from governance.approvals import selectors as approvals_selectors
from governance.documents import permissions as documents_permissions
from governance.documents import views as documents_views
from governance.policies import permissions
from governance.reviews import selectors as reviews_selectors
from governance.web.forms import ModelMoveForm
from registry.audit import selectors as audit_selectors
from registry.evidence import selectors as evidence_selectors
from registry.inventory import permissions as registry_permissions
from registry.inventory import selectors as registry_selectors
from registry.inventory import services as registry_services
from registry.inventory.models import AIModel, AISystem, ModelVersion
from registry.pack import permissions as pack_permissions

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
    found = registry_selectors.versions_lineage(versions)
    rows: dict[int, list] = {}
    for v in versions:
        lineage = found[v.pk]
        rows.setdefault(v.model_id, []).append(
            (v, lineage.links, lineage.upstream, lineage.truncated)
        )
    models = list(registry_selectors.model_list().filter(system=system).order_by("name"))
    context = {
        "system": system,
        "models": [(m, rows.get(m.pk, [])) for m in models],
        # Where the user may move this system's models: they must register under both systems.
        "move_targets": (
            list(
                registry_permissions.systems_registrable_by(request.user)
                .exclude(pk=system.pk)
                .order_by("name")
            )
            if models and registry_permissions.can_register_under(request.user, system)
            else []
        ),
        "deployments": list(
            registry_selectors.deployment_list()
            .filter(model_version__model__system=system)
            .order_by("-deployed_at")
        ),
        "incidents": list(
            registry_selectors.incident_list().filter(system=system).order_by("-opened_at")
        ),
        "approvals": approvals_selectors.system_approvals(system, request.user),
        "reviews": reviews_selectors.system_reviews(
            system, request.user, limit=REVIEW_ROWS, now=now
        ),
        "review_rows": REVIEW_ROWS,
        "findings": reviews_selectors.system_findings(system, request.user),
        "reads_risk_records": permissions.reads_all_risk_records(request.user),
        "evidence": evidence_selectors.evidence_panel(request.user, system),
        "reads_documents": documents_permissions.can_read_documents(request.user, system),
        "now": now,
        "today": timezone.localdate(now),
        "history": list(audit_selectors.audit_history(system)[:HISTORY_ROWS]),
        "can_download_pack": pack_permissions.can_download_pack(request.user, system),
    }
    return render(request, "governance/system_detail.html", context)


@login_required
@require_POST
def model_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a model, with its versions, to another system the user registers under — out of an
    MLflow intake system once it is classified. The registry's ``model_move`` checks and audits
    it, and invalidates the open approval requests of its versions."""
    try:
        model = AIModel.objects.select_related("system").get(pk=pk)
    except AIModel.DoesNotExist:
        raise Http404("No such model.") from None
    if not registry_permissions.can_register_under(request.user, model.system):
        raise PermissionDenied("Only the system's owning team and technical owner move its models.")
    form = ModelMoveForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Choose a system you register under to move the model to.")
        return redirect("governance:system", slug=model.system.slug)
    target = form.cleaned_data["system"]
    if target.pk == model.system_id:
        messages.info(request, f"{model.name} is already in {target.name}.")
        return redirect("governance:system", slug=target.slug)
    registry_services.model_move(actor=request.user, model=model, system=target)
    messages.success(
        request,
        f"{model.name} moved here from {model.system.name}, with its versions. Their open "
        "approval requests, if any, were invalidated: request again under this system's policy.",
    )
    return redirect("governance:system", slug=target.slug)


@login_required
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One model version: what it is, what it was built from (as far upstream as the lineage
    goes), where it runs, its approvals and its history. Everyone signed in reads the
    inventory, as on the system page."""
    try:
        version = registry_selectors.version_list().get(pk=pk)
    except ModelVersion.DoesNotExist:
        raise Http404("No such model version.") from None
    lineage = registry_selectors.version_lineage(version)
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
        "approvals": approvals_selectors.version_approvals(version, request.user),
        "evidence": evidence_selectors.evidence_panel(request.user, version),
        "card": documents_views.card_panel(request.user, version, lineage),
        "history": list(audit_selectors.audit_history(version)[:HISTORY_ROWS]),
    }
    return render(request, "governance/version_detail.html", context)
