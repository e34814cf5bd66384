"""Deployments and incidents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from registry.audit import services as audit
from registry.audit.changes import apply_changes, creation_changes
from registry.core.exceptions import ConflictError
from registry.inventory import permissions
from registry.inventory.choices import (
    REPORTING_DAYS,
    DeploymentStatus,
    SeriousIncidentCategory,
    VersionStatus,
)
from registry.inventory.models import AISystem, Deployment, Incident, ModelVersion

DEPLOYMENT_FIELDS = ("model_version", "environment", "status", "endpoint", "notes", "deployed_at")
INCIDENT_FIELDS = (
    "system",
    "model_version",
    "title",
    "description",
    "severity",
    "status",
    "owner",
    "opened_at",
    "resolved_at",
    "is_serious",
    "serious_category",
    "aware_at",
    "report_due_at",
    "reported_at",
)
# The reporting deadline is computed, never given (see ``incident_clock``).
INCIDENT_UPDATABLE = tuple(
    f for f in INCIDENT_FIELDS if f not in {"system", "opened_at", "report_due_at"}
)
CLOCK_FIELDS = ("serious_category", "aware_at", "report_due_at")


@transaction.atomic
def deployment_create(
    *,
    actor: Any,
    model_version: ModelVersion,
    environment: str,
    endpoint: str = "",
    notes: str = "",
    deployed_at: dt.datetime | None = None,
    audit_extra: dict[str, Any] | None = None,
) -> Deployment:
    """Record that a version now runs in an environment. The version becomes ``deployed``; a
    deprecated version cannot be deployed.

    Call ``governance.approvals.services.deployment_record`` instead: it applies the approval
    gate first and passes what allowed the deployment as ``audit_extra``, so the one audit event
    of the deployment says which approval it used."""
    mv = (
        ModelVersion.objects.select_for_update()
        .select_related("model__system")
        .get(pk=model_version.pk)
    )
    if actor is not None:
        permissions.require_register_under(actor, mv.model.system, field="model_version")
    if mv.status == VersionStatus.DEPRECATED:
        raise ConflictError(
            f"Version {mv.version} is deprecated and cannot be deployed.",
            field="model_version",
            code="deprecated",
        )
    deployment = Deployment(
        model_version=mv,
        environment=environment,
        endpoint=endpoint,
        notes=notes,
        deployed_at=deployed_at or timezone.now(),
        deployed_by=actor,
    )
    deployment.full_clean()
    deployment.save()
    changes = creation_changes(deployment, DEPLOYMENT_FIELDS) | (audit_extra or {})
    if mv.status != VersionStatus.DEPLOYED:
        changes["model_version.status"] = [mv.status, VersionStatus.DEPLOYED.value]
        mv.status = VersionStatus.DEPLOYED
        mv.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="registry.deployment.created", obj=deployment, changes=changes)
    return deployment


@transaction.atomic
def deployment_update(*, actor: Any, deployment: Deployment, data: dict[str, Any]) -> Deployment:
    """Change a deployment's status (rolled back, retired), endpoint or notes."""
    deployment = (
        Deployment.objects.select_for_update()
        .select_related("model_version__model__system")
        .get(pk=deployment.pk)
    )
    if actor is not None:
        permissions.require_register_under(actor, deployment.model_version.model.system)
    new_status = data.get("status", deployment.status)
    if deployment.status != DeploymentStatus.ACTIVE and new_status == DeploymentStatus.ACTIVE:
        raise ConflictError(
            "An ended deployment cannot be re-activated; record a new deployment.",
            field="status",
            code="invalid_transition",
        )
    changes = apply_changes(deployment, data, ("status", "endpoint", "notes"))
    if not changes:
        return deployment
    deployment.full_clean()
    deployment.save()
    audit.record(actor=actor, action="registry.deployment.updated", obj=deployment, changes=changes)
    return deployment


def _check_incident_refs(system: AISystem, model_version: ModelVersion | None) -> None:
    if model_version is not None and model_version.model.system_id != system.pk:
        raise ConflictError(
            f"Version {model_version} does not belong to system '{system}'.",
            field="model_version",
            code="mismatch",
        )


def incident_clock(incident: Incident, *, aware_default: dt.datetime) -> None:
    """Start, move or stop the EU AI Act reporting clock (art. 73) of an incident.

    A serious incident's report is due a number of days after the organisation became aware of
    it: 15 in general (category ``harm``, the default), 10 when a person died, 2 for a
    widespread infringement or a serious disruption of critical infrastructure. ``aware_at``
    defaults to ``aware_default`` (the opening time for a new incident, now for one that turns
    out to be serious later). An incident that is not serious has no clock."""
    if incident.is_serious:
        if not incident.serious_category:
            incident.serious_category = SeriousIncidentCategory.HARM
        if incident.aware_at is None:
            incident.aware_at = aware_default
        days = REPORTING_DAYS.get(incident.serious_category)
        # An unknown category is left for full_clean() to name; it has no deadline to compute.
        incident.report_due_at = (
            incident.aware_at + dt.timedelta(days=days) if days is not None else None
        )
    else:
        incident.aware_at = None
        incident.report_due_at = None


@transaction.atomic
def incident_create(
    *,
    actor: Any,
    system: AISystem,
    title: str,
    severity: str,
    now: dt.datetime | None = None,
    **fields: Any,
) -> Incident:
    """Open an incident on a system the actor registers under. A serious one starts its
    reporting clock (``incident_clock``)."""
    if actor is not None:
        permissions.require_register_under(actor, system, field="system")
    if "report_due_at" in fields:
        raise TypeError("report_due_at is computed from aware_at and serious_category.")
    _check_incident_refs(system, fields.get("model_version"))
    fields.setdefault("opened_at", now or timezone.now())
    incident = Incident(system=system, title=title, severity=severity, created_by=actor, **fields)
    incident_clock(incident, aware_default=incident.opened_at)
    incident.full_clean()
    incident.save()
    audit.record(
        actor=actor,
        action="registry.incident.created",
        obj=incident,
        changes=creation_changes(incident, INCIDENT_FIELDS),
    )
    return incident


@transaction.atomic
def incident_update(
    *, actor: Any, incident: Incident, data: dict[str, Any], now: dt.datetime | None = None
) -> Incident:
    """Change an incident. Classifying it as serious starts its reporting clock (aware now,
    unless ``aware_at`` says otherwise); a new category or awareness time moves the deadline;
    declassifying it stops the clock. Reporting it (``reported_at``) stops the chasing."""
    incident = Incident.objects.select_for_update().select_related("system").get(pk=incident.pk)
    if actor is not None:
        permissions.require_register_under(actor, incident.system)
    _check_incident_refs(incident.system, data.get("model_version", incident.model_version))
    data = dict(data)
    if data.get("is_serious") is False and incident.is_serious:
        data.setdefault("serious_category", "")
    before = audit.snapshot(incident, CLOCK_FIELDS)
    changes = apply_changes(incident, data, INCIDENT_UPDATABLE)
    incident_clock(incident, aware_default=now or timezone.now())
    changes |= audit.diff(before, audit.snapshot(incident, CLOCK_FIELDS))
    if not changes:
        return incident
    incident.full_clean()
    incident.save()
    audit.record(actor=actor, action="registry.incident.updated", obj=incident, changes=changes)
    return incident
