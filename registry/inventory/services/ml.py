"""Models and model versions, with the datasets each version was built from."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from registry.audit import services as audit
from registry.audit.changes import apply_changes, creation_changes
from registry.core.etags import check_if_match
from registry.core.exceptions import ConflictError
from registry.inventory import hooks, permissions
from registry.inventory.choices import FROZEN_VERSION_STATUSES, VersionStatus
from registry.inventory.models import AIModel, AISystem, Dataset, ModelVersion, ModelVersionDataset

MODEL_FIELDS = ("name", "description", "task", "framework", "provider", "vendor")
VERSION_CONTENT_FIELDS = (
    "artifact_uri",
    "artifact_sha256",
    "source_commit",
    "run_id",
    "metrics",
    "card_intended_use",
    "card_limitations",
    "card_evaluation_summary",
)
VERSION_FIELDS = (*VERSION_CONTENT_FIELDS, "status")

# Which status changes a version may make by plain update. "approved" is set by the approvals
# workflow and "deployed" by recording a deployment, never by editing the version.
_MANUAL_TRANSITIONS = {
    VersionStatus.REGISTERED: {VersionStatus.DEPRECATED},
    VersionStatus.APPROVED: {VersionStatus.DEPRECATED},
    VersionStatus.DEPLOYED: {VersionStatus.DEPRECATED},
    VersionStatus.DEPRECATED: set(),
}

DatasetLinks = Iterable[tuple[Dataset, str]]


@transaction.atomic
def model_create(
    *,
    actor: Any,
    system: AISystem,
    name: str,
    audit_extra: dict[str, Any] | None = None,
    **fields: Any,
) -> AIModel:
    """Register a model under a system the actor owns. ``audit_extra`` adds what a caller
    recorded alongside the model (an integration's tags) to the one ``created`` event."""
    if actor is not None:
        permissions.require_register_under(actor, system, field="system")
    model = AIModel(system=system, name=name, created_by=actor, **fields)
    model.full_clean()
    model.save()
    audit.record(
        actor=actor,
        action="registry.model.created",
        obj=model,
        changes=creation_changes(model, ("system", *MODEL_FIELDS)) | (audit_extra or {}),
    )
    return model


@transaction.atomic
def model_update(
    *, actor: Any, model: AIModel, data: dict[str, Any], if_match: str | None = None
) -> AIModel:
    model = AIModel.objects.select_for_update().select_related("system").get(pk=model.pk)
    if actor is not None:
        permissions.require_register_under(actor, model.system)
    check_if_match(model, if_match)
    changes = apply_changes(model, data, MODEL_FIELDS)
    if not changes:
        return model
    model.full_clean()
    model.save()
    audit.record(actor=actor, action="registry.model.updated", obj=model, changes=changes)
    return model


@transaction.atomic
def model_move(
    *, actor: Any, model: AIModel, system: AISystem, if_match: str | None = None
) -> AIModel:
    """Move a model, with its versions, to the system it serves: out of an MLflow intake system
    once someone has classified it, or after a system was split. The actor must be able to
    register under both systems. Approvals of its versions were decided under the old system's
    policy, owners and separation of duties, so the open ones are invalidated (governance does
    it, through ``hooks.model_moved``); deployments stay where they were recorded, as history.
    Moving a model to the system it is in changes nothing."""
    # Its versions first, then the model: an approval request locks the version before reading
    # its system, so it either sees the move or is seen (and invalidated) by it; and this is
    # the order version_update takes them in, so the two cannot deadlock.
    list(ModelVersion.objects.select_for_update().filter(model_id=model.pk).values_list("pk"))
    model = AIModel.objects.select_for_update().select_related("system").get(pk=model.pk)
    if actor is not None:
        permissions.require_register_under(actor, model.system)
        permissions.require_register_under(actor, system, field="system")
    check_if_match(model, if_match)
    if system.pk == model.system_id:
        return model
    old_system = model.system
    model.system = system
    model.save(update_fields=["system", "updated_at"])
    audit.record(
        actor=actor,
        action="registry.model.moved",
        obj=model,
        changes={"system": [old_system.pk, system.pk]},
    )
    hooks.model_moved(actor=actor, model=model, old_system=old_system)
    return model


def _link_changes(links: DatasetLinks) -> list[list[Any]]:
    return sorted([dataset.pk, role] for dataset, role in links)


def _dedupe(links: DatasetLinks) -> list[tuple[Dataset, str]]:
    seen, out = set(), []
    for dataset, role in links:
        if (dataset.pk, role) not in seen:
            seen.add((dataset.pk, role))
            out.append((dataset, role))
    return out


@transaction.atomic
def version_create(
    *,
    actor: Any,
    model: AIModel,
    version: str,
    datasets: DatasetLinks = (),
    audit_extra: dict[str, Any] | None = None,
    **fields: Any,
) -> ModelVersion:
    """Register a version of a model, with the datasets it was trained and evaluated on.
    ``audit_extra`` adds what a caller recorded alongside the version (an integration's tags)
    to the one ``created`` event."""
    if not AIModel.system.is_cached(model):  # a caller that read it with its system saves a query
        model = AIModel.objects.select_related("system").get(pk=model.pk)
    if actor is not None:
        permissions.require_register_under(actor, model.system, field="model")
    unknown = set(fields) - set(VERSION_CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown version fields: {sorted(unknown)}")
    if ModelVersion.objects.filter(model=model, version=version).exists():
        raise ConflictError(
            f"Model '{model.name}' already has a version '{version}'.",
            field="version",
            code="unique",
        )
    mv = ModelVersion(model=model, version=version, registered_by=actor, **fields)
    # Not the model and the user: both are rows in hand, so full_clean would only query again
    # that they exist; nor the (model, version) constraint, checked just above with a 409.
    mv.full_clean(exclude=["model", "registered_by"], validate_constraints=False)
    mv.save()
    links = _dedupe(datasets)
    ModelVersionDataset.objects.bulk_create(
        [ModelVersionDataset(model_version=mv, dataset=d, role=r) for d, r in links]
    )
    changes = creation_changes(mv, ("model", "version", *VERSION_FIELDS))
    changes["datasets"] = _link_changes(links)
    changes.update(audit_extra or {})
    audit.record(actor=actor, action="registry.version.created", obj=mv, changes=changes)
    return mv


# What an approval is bound to: changing any of these invalidates the version's approvals.
BINDING_FIELDS = frozenset({"artifact_sha256", "artifact_uri", "datasets"})


@transaction.atomic
def version_update(
    *,
    actor: Any,
    version: ModelVersion,
    data: dict[str, Any],
    datasets: DatasetLinks | None = None,
    if_match: str | None = None,
) -> ModelVersion:
    """Change a registered version, correct its dataset links, or deprecate it.

    Once a version is approved, deployed or deprecated its content (artifact, provenance,
    metrics, model card) is frozen: changing it means registering a new version. Its dataset
    links stay correctable, because lineage records what happened; but a change to them, like
    any change to what an approval was bound to, invalidates the version's approvals."""
    mv = ModelVersion.objects.select_for_update().select_related("model__system").get(pk=version.pk)
    if actor is not None:
        permissions.require_register_under(actor, mv.model.system)
    check_if_match(mv, if_match)

    new_status = data.get("status", mv.status)
    if new_status != mv.status and new_status not in _MANUAL_TRANSITIONS[mv.status]:
        raise ConflictError(
            f"A version cannot go from '{mv.status}' to '{new_status}' by an update.",
            field="status",
            code="invalid_transition",
        )
    frozen = mv.status in FROZEN_VERSION_STATUSES
    changes = apply_changes(mv, data, VERSION_FIELDS)
    frozen_changes = sorted(set(changes) & set(VERSION_CONTENT_FIELDS)) if frozen else []
    if frozen_changes:
        raise ConflictError(
            f"Version {mv.version} is {mv.status}: its content is frozen. Register a new version.",
            field=frozen_changes[0],
            code="frozen",
        )
    old_links = _link_changes((link.dataset, link.role) for link in mv.dataset_links.all())
    new_links = None if datasets is None else _dedupe(datasets)
    if new_links is not None and _link_changes(new_links) != old_links:
        changes["datasets"] = [old_links, _link_changes(new_links)]
    if not changes:
        return mv
    mv.full_clean()
    mv.save()
    if "datasets" in changes:
        mv.dataset_links.all().delete()
        ModelVersionDataset.objects.bulk_create(
            [ModelVersionDataset(model_version=mv, dataset=d, role=r) for d, r in new_links]
        )
    audit.record(actor=actor, action="registry.version.updated", obj=mv, changes=changes)
    if BINDING_FIELDS & set(changes):
        hooks.version_bindings_changed(actor=actor, version=mv, changes=changes)
    return mv


def version_bindings(version: ModelVersion) -> tuple[str, list[list[Any]]]:
    """What an approval of this version is bound to: its digest and its sorted dataset links."""
    links = _link_changes((link.dataset, link.role) for link in version.dataset_links.all())
    return version.artifact_sha256, links
