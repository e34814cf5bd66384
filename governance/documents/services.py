"""State changes of the documents: model cards, the technical documentation's words and evidence
mapping, registration data, and PDF jobs. One function per action: keyword-only, the actor
explicit, atomic, the row locked before its state is checked, one audit event each (none when
nothing changes). The assessments (FRIA) have their own module, ``assessments``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.documents import cards, permissions, registration, tasks
from governance.documents.choices import DocumentKind, Section
from governance.documents.models import (
    DocumentJob,
    FundamentalRightsAssessment,
    ModelCard,
    RegistrationData,
    SectionEvidence,
    TechnicalDocumentation,
)
from registry.audit import services as audit
from registry.audit.changes import apply_changes, creation_changes
from registry.core.etags import check_if_match, etag_for
from registry.core.exceptions import ConflictError, PreconditionFailedError
from registry.evidence import selectors as evidence_selectors
from registry.evidence.models import EvidenceItem
from registry.inventory.models import AISystem, ModelVersion


def _check_draft_if_match(obj: Any, if_match: str | None) -> None:
    """``check_if_match`` for a document not written yet, whose ETag is ``etag_for(obj)`` of
    what it is derived from."""
    if not if_match:
        return
    candidates = {t.strip().removeprefix("W/") for t in if_match.split(",")}
    if "*" not in candidates and etag_for(obj) not in candidates:
        raise PreconditionFailedError()


def _save_recorded(
    obj: Any, *, actor: Any, action: str, label: str, changes: dict[str, Any], exclude: list[str]
) -> Any:
    """Stamp who changed a document, validate, save, and write its one audit event."""
    obj.updated_by = actor
    obj.full_clean(exclude=exclude)
    obj.save()
    audit.record(actor=actor, action=action, obj=obj, object_repr=label, changes=changes)
    return obj


# --- Model cards ------------------------------------------------------------------------------


@transaction.atomic
def model_card_save(
    *,
    actor: Any,
    version: ModelVersion,
    data: dict[str, Any],
    if_match: str | None = None,
) -> ModelCard:
    """Write a version's model card: the first write stores the pre-filled draft with ``data``
    on it; later writes change the given fields. Refused (409) once the version is approved,
    deployed or deprecated: the card is frozen with the version, and a change means a new
    version. ``If-Match`` is the card's ETag (the version's, before the first write)."""
    mv = ModelVersion.objects.select_for_update().select_related("model__system").get(pk=version.pk)
    system = mv.model.system
    if actor is not None:
        permissions.require_read_documents(actor, system)
        permissions.require_write_documents(actor, system)
    card = ModelCard.objects.select_for_update().filter(model_version=mv).first()
    if card is None:
        _check_draft_if_match(mv, if_match)
    else:
        check_if_match(card, if_match)
    reason = cards.frozen_reason(mv)
    if reason:
        raise ConflictError(reason, field=next(iter(data), None), code="frozen")
    if card is None:
        card = ModelCard(
            model_version=mv, **cards.card_prefill(mv, system, cards.previous_card(mv))
        )
        apply_changes(card, data, cards.CARD_FIELDS)
        changes = creation_changes(card, ("model_version", *cards.CARD_FIELDS))
        action = "governance.model_card.created"
    else:
        changes = apply_changes(card, data, cards.CARD_FIELDS)
        action = "governance.model_card.updated"
        if not changes:
            return card
    return _save_recorded(
        card,
        actor=actor,
        action=action,
        label=f"Model card of {mv}",
        changes=changes,
        exclude=["model_version"],
    )


# --- Technical documentation ------------------------------------------------------------------


def _locked_record(system: AISystem) -> tuple[TechnicalDocumentation, bool]:
    """The system's documentation row, locked; created (not yet saved) if it has none."""
    record = TechnicalDocumentation.objects.select_for_update().filter(system=system).first()
    if record is None:
        return TechnicalDocumentation(system=system, narrative={}), True
    return record, False


def _locked_system(system: AISystem, actor: Any) -> AISystem:
    system = AISystem.objects.select_for_update().get(pk=system.pk)
    if actor is not None:
        permissions.require_read_documents(actor, system)
        permissions.require_write_documents(actor, system)
    return system


@transaction.atomic
def documentation_update(
    *,
    actor: Any,
    system: AISystem,
    narrative: dict[str, str],
    if_match: str | None = None,
) -> TechnicalDocumentation:
    """Set the words of sections of a system's technical documentation (``narrative``: section
    → text; an empty text removes it). Other sections keep theirs."""
    system = _locked_system(system, actor)
    record, new = _locked_record(system)
    if new:
        _check_draft_if_match(system, if_match)
    else:
        check_if_match(record, if_match)
    if not isinstance(narrative, dict):
        raise ValidationError({"narrative": "Must map sections to text."})
    unknown = sorted(set(narrative) - set(Section.values))
    if unknown:
        raise ValidationError(
            {
                "narrative": f"Unknown sections: {', '.join(unknown)}. "
                f"Sections: {', '.join(Section.values)}."
            }
        )
    merged = dict(record.narrative or {})
    for key, text in narrative.items():
        if not isinstance(text, str):
            raise ValidationError({f"narrative.{key}": "Must be text."})
        if text.strip():
            merged[key] = text.strip()
        else:
            merged.pop(key, None)
    changes = apply_changes(record, {"narrative": merged}, ("narrative",))
    if not changes:
        return record
    return _save_recorded(
        record,
        actor=actor,
        action="governance.documentation.updated",
        label=f"Technical documentation of {system}",
        changes=changes,
        exclude=["system"],
    )


def _system_evidence(system: AISystem, actor: Any, evidence: EvidenceItem) -> EvidenceItem:
    """``evidence``, if it is attached to the system or something of it and the actor sees it
    (the dossier's pool); 400 naming the field otherwise."""
    from governance.documents.dossier import evidence_pool

    items = (
        evidence_selectors.evidence_list()
        if actor is None
        else evidence_selectors.evidence_visible_to(actor)
    )
    found = items.filter(evidence_pool(system), pk=evidence.pk).first()
    if found is None:
        raise ValidationError(
            {"evidence": f"Evidence #{evidence.pk} is not attached to '{system}' or its parts."}
        )
    if not found.in_force:
        raise ValidationError(
            {"evidence": f"Evidence #{found.pk} is {found.status}: map its current version."}
        )
    return found


@transaction.atomic
def section_evidence_map(
    *,
    actor: Any,
    system: AISystem,
    section: str,
    evidence: EvidenceItem,
    now: dt.datetime | None = None,
) -> SectionEvidence:
    """Map an evidence item of the system to a section of its technical documentation (on top of
    the mapping by kind). Mapping it again changes nothing."""
    now = now or timezone.now()
    system = _locked_system(system, actor)
    if section not in Section.values:
        raise ValidationError(
            {"section": f"'{section}' is not a section. Sections: {', '.join(Section.values)}."}
        )
    item = _system_evidence(system, actor, evidence)
    existing = SectionEvidence.objects.filter(
        system=system, section=section, evidence_lineage=item.lineage
    ).first()
    if existing is not None:
        return existing
    record, new = _locked_record(system)
    if new:
        record.updated_by = actor
        record.save()
    mapping = SectionEvidence(
        system=system,
        section=section,
        evidence=item,
        evidence_lineage=item.lineage,
        mapped_by=actor,
        created_at=now,
    )
    mapping.full_clean(exclude=["system", "evidence"], validate_constraints=False)
    mapping.save()
    audit.record(
        actor=actor,
        action="governance.documentation.evidence_mapped",
        obj=record,
        object_repr=f"Technical documentation of {system}",
        changes={
            "mapping": mapping.pk,
            "section": section,
            "evidence": item.pk,
            "sha256": item.sha256,
            "link_url": item.link_url,
        },
        now=now,
    )
    return mapping


@transaction.atomic
def section_evidence_unmap(*, actor: Any, mapping: SectionEvidence) -> None:
    """Take an evidence item off the section it was mapped to by hand."""
    system = _locked_system(mapping.system, actor)
    mapping = SectionEvidence.objects.select_for_update().get(pk=mapping.pk)
    record, _ = _locked_record(system)
    audit.record(
        actor=actor,
        action="governance.documentation.evidence_unmapped",
        obj=record,
        object_repr=f"Technical documentation of {system}",
        changes={
            "mapping": mapping.pk,
            "section": mapping.section,
            "evidence": mapping.evidence_id,
        },
    )
    mapping.delete()


# --- Registration data ------------------------------------------------------------------------


@transaction.atomic
def registration_update(
    *,
    actor: Any,
    system: AISystem,
    data: dict[str, Any],
    if_match: str | None = None,
) -> RegistrationData:
    """Set fields of the system's EU database entry (an empty value returns a field to its
    pre-filled value). Every key must be a field of the system's Annex VIII section."""
    system = _locked_system(system, actor)
    record = RegistrationData.objects.select_for_update().filter(system=system).first()
    if record is None:
        _check_draft_if_match(system, if_match)
        record = RegistrationData(system=system, data={})
    else:
        check_if_match(record, if_match)
    cleaned = registration.validate(system, data)
    merged = dict(record.data or {})
    for key, value in cleaned.items():
        if value in ("", None, []):
            merged.pop(key, None)
        else:
            merged[key] = value
    created = record.pk is None
    changes = apply_changes(record, {"data": merged}, ("data",))
    if not changes and not created:
        return record
    return _save_recorded(
        record,
        actor=actor,
        action="governance.registration.updated",
        label=f"EU database registration of {system}",
        changes=changes,
        exclude=["system"],
    )


# --- PDF jobs ---------------------------------------------------------------------------------


def job_subject_system(kind: str, subject_id: int) -> AISystem:
    """The system a document is of (404 through ``DoesNotExist`` for an unknown subject)."""
    if kind == DocumentKind.TECHNICAL_DOCUMENTATION:
        return AISystem.objects.get(pk=subject_id)
    if kind == DocumentKind.MODEL_CARD:
        return ModelVersion.objects.select_related("model__system").get(pk=subject_id).model.system
    return FundamentalRightsAssessment.objects.select_related("system").get(pk=subject_id).system


@transaction.atomic
def document_job_request(
    *, actor: Any, kind: str, subject_id: int, now: dt.datetime | None = None
) -> DocumentJob:
    """Ask for a document's PDF to be built in the background. The job is queued once the
    request commits; its status shows how far it got."""
    now = now or timezone.now()
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": f"Not a document: {kind}."})
    system = job_subject_system(kind, subject_id)
    if actor is not None:
        permissions.require_read_documents(actor, system)
    job = DocumentJob(
        kind=kind,
        system=system,
        subject_id=subject_id,
        requested_by=actor,
        stage="Waiting for a worker",
        created_at=now,
    )
    job.full_clean(exclude=["system", "requested_by"])
    job.save()
    audit.record(
        actor=actor,
        action="governance.document.requested",
        obj=job,
        changes={"kind": kind, "subject_id": subject_id, "system": system.pk},
        now=now,
    )
    transaction.on_commit(lambda: tasks.render_document.delay(job.pk))
    return job
