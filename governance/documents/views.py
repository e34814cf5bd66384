"""The documents' pages: the dossier of a system (technical documentation with completeness per
section and what is missing, linked to where to fix it; the FRIA and its sign-offs; the
registration data; downloads), the model card form of the version page, and PDF jobs with
their progress (htmx polls the job's status; no script of ours). Every action calls the same
service as the API and comes back to the page (post/redirect/get) with what happened.

Whoever may not read a system's documents gets 404; a reader who may not write, 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from governance.documents import (
    assessments,
    build,
    cards,
    permissions,
    registration,
    selectors,
    services,
)
from governance.documents.choices import DocumentKind, FRIAFunction, JobStatus
from governance.documents.completeness import dossier as assemble
from governance.documents.forms import (
    FRIAForm,
    FRIASignForm,
    MapEvidenceForm,
    ModelCardForm,
    NarrativeForm,
    RegistrationForm,
)
from governance.documents.models import DocumentJob, FundamentalRightsAssessment
from registry.core.etags import etag_for
from registry.core.exceptions import ConflictError, PreconditionFailedError
from registry.core.views import error_message, is_htmx
from registry.evidence.models import EvidenceItem
from registry.inventory import selectors as inventory_selectors
from registry.inventory.models import AISystem, ModelVersion

STALE = "Someone changed this after you opened it; nothing was saved. Here is the current text."


def _system(request: HttpRequest, slug: str) -> AISystem:
    try:
        system = inventory_selectors.system_list().get(slug=slug)
    except AISystem.DoesNotExist:
        raise Http404("No such system.") from None
    permissions.require_read_documents(request.user, system)
    return system


def _act(request: HttpRequest, action, done: str) -> None:
    """Run a service; its refusal (state, input, stale form) becomes the page's message."""
    try:
        action()
    except PreconditionFailedError:
        messages.error(request, STALE)
    except (ConflictError, ValidationError) as exc:
        messages.error(request, f"Not saved: {error_message(exc)}")
    else:
        messages.success(request, done)


def _form_errors(form) -> str:
    return " ".join(
        f"{name.replace('_', ' ')}: {' '.join(errors)}" for name, errors in form.errors.items()
    )


@login_required
@require_GET
def dossier_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The dossier of a system: its technical documentation section by section, with what each
    lacks and where to fix it, the FRIA, the registration data and the downloads."""
    system = _system(request, slug)
    doc = assemble(system, user=request.user)
    can_write = permissions.can_write_documents(request.user, system)
    if can_write:
        selectors.map_choices(doc)
    context = {
        "system": system,
        "doc": doc,
        "can_write": can_write,
        "narrative_etag": etag_for(doc.record) if doc.record else etag_for(system),
        "fria": selectors.fria_panel(request.user, doc),
        "registration": selectors.registration_panel(doc),
        "jobs": selectors.recent_jobs(system, request.user),
    }
    return render(request, "documents/dossier.html", context)


@login_required
@require_POST
def dossier_narrative(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(request, slug)
    form = NarrativeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not saved: " + _form_errors(form))
        return redirect("governance:dossier", slug=slug)
    section = form.cleaned_data["section"]
    _act(
        request,
        lambda: services.documentation_update(
            actor=request.user,
            system=system,
            narrative={section: form.cleaned_data["text"]},
            if_match=form.cleaned_data["etag"],
        ),
        "Saved.",
    )
    return redirect(reverse("governance:dossier", args=[slug]) + f"#section-{section}")


@login_required
@require_POST
def dossier_map(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(request, slug)
    form = MapEvidenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not mapped: " + _form_errors(form))
        return redirect("governance:dossier", slug=slug)
    section = form.cleaned_data["section"]
    item = EvidenceItem(pk=form.cleaned_data["evidence"])
    _act(
        request,
        lambda: services.section_evidence_map(
            actor=request.user, system=system, section=section, evidence=item
        ),
        "Evidence mapped to the section.",
    )
    return redirect(reverse("governance:dossier", args=[slug]) + f"#section-{section}")


@login_required
@require_POST
def dossier_unmap(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    system = _system(request, slug)
    mapping = selectors.mapping_of(system, pk)
    services.section_evidence_unmap(actor=request.user, mapping=mapping)
    messages.success(request, "Evidence taken off the section.")
    return redirect(reverse("governance:dossier", args=[slug]) + f"#section-{mapping.section}")


@login_required
@require_POST
def dossier_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for the dossier's PDF: built in the background; the job's page shows progress."""
    system = _system(request, slug)
    job = services.document_job_request(
        actor=request.user, kind=DocumentKind.TECHNICAL_DOCUMENTATION, subject_id=system.pk
    )
    if is_htmx(request):
        return render(request, "documents/_job_status.html", {"job": job})
    return redirect("governance:document-job", pk=job.pk)


def _job(request: HttpRequest, pk: int) -> DocumentJob:
    job = selectors.job_for(request.user, pk)
    if job is None:
        raise Http404("No such job.")
    return job


@login_required
@require_GET
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A PDF job: its progress (htmx polls this URL for the status partial) and, once done, the
    download."""
    job = _job(request, pk)
    if is_htmx(request):
        return render(request, "documents/_job_status.html", {"job": job})
    return render(request, "documents/job.html", {"job": job})


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.status != JobStatus.DONE:
        raise Http404("The PDF is not ready.")
    return build.pdf_file_response(job)


# --- Model cards (on the version page) --------------------------------------------------------


def _version(request: HttpRequest, pk: int) -> ModelVersion:
    try:
        version = inventory_selectors.version_list().get(pk=pk)
    except ModelVersion.DoesNotExist:
        raise Http404("No such model version.") from None
    permissions.require_read_documents(request.user, version.model.system)
    return version


@login_required
@require_POST
def model_card_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    form = ModelCardForm(request.POST)
    back = reverse("governance:version", args=[pk]) + "#model-card"
    if not form.is_valid():
        messages.error(request, "Card not saved: " + _form_errors(form))
        return redirect(back)
    _act(
        request,
        lambda: services.model_card_save(
            actor=request.user,
            version=version,
            data=form.service_data(),
            if_match=form.cleaned_data["etag"],
        ),
        "Model card saved.",
    )
    return redirect(back)


@login_required
@require_GET
def model_card_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    return build.pdf_response(DocumentKind.MODEL_CARD, version.pk, request.user)


# --- FRIA --------------------------------------------------------------------------------------


def _fria(request: HttpRequest, pk: int) -> FundamentalRightsAssessment:
    fria = selectors.fria_for(request.user, pk)
    if fria is None:
        raise Http404("No such assessment.")
    return fria


def _dpia(value: int | None) -> EvidenceItem | None:
    return EvidenceItem(pk=value) if value else None


def _fria_form(request: HttpRequest, system: AISystem) -> FRIAForm:
    choices = [
        (i.pk, f"{i.title} (v{i.version})") for i in assessments.dpia_choices(system, request.user)
    ]
    return FRIAForm(request.POST, dpia_choices=choices)


@login_required
@require_POST
def fria_start(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(request, slug)
    _act(
        request,
        lambda: assessments.fria_create(actor=request.user, system=system),
        "A new assessment was started as a draft.",
    )
    return redirect(reverse("governance:dossier", args=[slug]) + "#fria")


@login_required
@require_POST
def fria_edit(request: HttpRequest, pk: int) -> HttpResponse:
    fria = _fria(request, pk)
    form = _fria_form(request, fria.system)
    back = reverse("governance:dossier", args=[fria.system.slug]) + "#fria"
    if not form.is_valid():
        messages.error(request, "Not saved: " + _form_errors(form))
        return redirect(back)
    data = {f: form.cleaned_data[f] for f in assessments.FRIA_FIELDS}
    _act(
        request,
        lambda: assessments.fria_update(
            actor=request.user,
            fria=fria,
            data=data,
            dpia=_dpia(form.cleaned_data["dpia"]),
            if_match=form.cleaned_data["etag"] or None,
        ),
        "Assessment saved.",
    )
    if request.POST.get("then") == "submit":
        _act(
            request,
            lambda: assessments.fria_submit(actor=request.user, fria=fria),
            "Submitted for the sign-offs of compliance and privacy.",
        )
    return redirect(back)


@login_required
@require_POST
def fria_sign(request: HttpRequest, pk: int) -> HttpResponse:
    fria = _fria(request, pk)
    back = reverse("governance:dossier", args=[fria.system.slug]) + "#fria"
    form = FRIASignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not signed: " + _form_errors(form))
        return redirect(back)
    _act(
        request,
        lambda: assessments.fria_signoff(
            actor=request.user,
            fria=fria,
            function=form.cleaned_data["function"],
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        ),
        "Recorded: {} {}.".format(
            form.cleaned_data["function"], form.cleaned_data["decision"].replace("_", " ")
        ),
    )
    return redirect(back)


@login_required
@require_GET
def fria_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    fria = _fria(request, pk)
    return build.pdf_response(DocumentKind.FRIA, fria.pk, request.user)


# --- Registration data -------------------------------------------------------------------------


@login_required
@require_POST
def registration_edit(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(request, slug)
    _, fields = registration.section_of(system)
    form = RegistrationForm(request.POST, fields=fields)
    back = reverse("governance:dossier", args=[slug]) + "#registration"
    if not form.is_valid():
        messages.error(request, "Not saved: " + _form_errors(form))
        return redirect(back)
    _act(
        request,
        lambda: services.registration_update(
            actor=request.user,
            system=system,
            data=form.service_data(),
            if_match=form.cleaned_data["etag"],
        ),
        "Registration data saved.",
    )
    return redirect(back)


def card_panel(user: Any, version: ModelVersion, lineage: Any) -> dict[str, Any] | None:
    """The version page's model card panel, for those who read the system's documents."""
    system = version.model.system
    if not permissions.can_read_documents(user, system):
        return None
    view = cards.card_view(version, lineage=lineage)
    can_write = permissions.can_write_documents(user, system) and not view.frozen
    return {
        "view": view,
        "can_write": can_write,
        "form": ModelCardForm(initial=ModelCardForm.initial_for(view.fields, view.etag))
        if can_write
        else None,
        "functions": FRIAFunction.values,
    }
