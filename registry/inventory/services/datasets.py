"""Datasets and the lineage between them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from registry.audit import services as audit
from registry.audit.changes import apply_changes, creation_changes
from registry.core.etags import check_if_match
from registry.core.exceptions import ConflictError
from registry.core.locks import advisory_xact_lock
from registry.inventory import permissions
from registry.inventory.models import Dataset, DatasetLineage
from registry.people.models import Team

DATASET_FIELDS = (
    "description",
    "owner_team",
    "classification",
    "contains_personal_data",
    "legal_basis",
    "retention_days",
    "source",
)
LINEAGE_LOCK = "registry.lineage"


def _grant(dataset: Dataset, team: Team | None, user: Any) -> None:
    for perm in permissions.DATASET_GRANTS:
        if team is not None:
            assign_perm(perm, team.group, dataset)
        if user is not None:
            assign_perm(perm, user, dataset)


@transaction.atomic
def dataset_create(*, actor: Any, namespace: str, name: str, **fields: Any) -> Dataset:
    """Register a dataset by its OpenLineage name. Its owning team and its creator may change it."""
    owner_team = fields.get("owner_team")
    if actor is not None:
        permissions.require_create_dataset(actor, owner_team)
    if Dataset.objects.filter(namespace=namespace, name=name).exists():
        raise ConflictError(
            f"Dataset '{namespace}/{name}' is already registered.", field="name", code="unique"
        )
    dataset = Dataset(namespace=namespace, name=name, created_by=actor, **fields)
    dataset.full_clean()
    dataset.save()
    _grant(dataset, owner_team, actor)
    audit.record(
        actor=actor,
        action="registry.dataset.created",
        obj=dataset,
        changes=creation_changes(dataset, ("namespace", "name", *DATASET_FIELDS)),
    )
    return dataset


@transaction.atomic
def dataset_update(
    *, actor: Any, dataset: Dataset, data: dict[str, Any], if_match: str | None = None
) -> Dataset:
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if actor is not None:
        permissions.require_change_dataset(actor, dataset)
        new_team = data.get("owner_team")
        if new_team is not None and new_team.pk != dataset.owner_team_id:
            permissions.require_create_dataset(actor, new_team)
    check_if_match(dataset, if_match)
    if "owner_team" in data and data["owner_team"] is None and dataset.owner_team_id is not None:
        # Dropping the owner would leave a dataset nobody may change or record lineage into.
        raise ConflictError(
            "A dataset's owning team can be handed to another team, not removed.",
            field="owner_team",
            code="owner_required",
        )
    old_team = dataset.owner_team
    changes = apply_changes(dataset, data, DATASET_FIELDS)
    if not changes:
        return dataset
    dataset.full_clean()
    dataset.save()
    if "owner_team" in changes:
        if old_team is not None:
            for perm in permissions.DATASET_GRANTS:
                remove_perm(perm, old_team.group, dataset)
        _grant(dataset, dataset.owner_team, None)
    audit.record(actor=actor, action="registry.dataset.updated", obj=dataset, changes=changes)
    return dataset


def _reaches(start_id: int, goal_id: int) -> bool:
    """Does following derived-from edges downstream from ``start_id`` reach ``goal_id``?
    One query per level of the graph."""
    seen, frontier = {start_id}, {start_id}
    while frontier:
        if goal_id in frontier:
            return True
        nxt = set(
            DatasetLineage.objects.filter(source_id__in=frontier).values_list(
                "target_id", flat=True
            )
        )
        frontier = nxt - seen
        seen |= frontier
    return False


@transaction.atomic
def lineage_record(
    *,
    actor: Any,
    source: Dataset,
    target: Dataset,
    job_namespace: str = "",
    job_name: str = "",
    run_id: str = "",
) -> tuple[DatasetLineage, bool]:
    """Record that ``target`` was derived from ``source`` by a job. Recording the same edge again
    changes nothing. Returns the edge and whether it was created.

    The derived dataset's owners record its lineage. An edge that would close a cycle is refused;
    lineage writes are serialised so two concurrent edges cannot close one together."""
    if actor is not None:
        permissions.require_change_dataset(actor, target, field="target")
    if source.pk == target.pk:
        raise ConflictError(
            "A dataset cannot be derived from itself.", field="source", code="cycle"
        )
    advisory_xact_lock(LINEAGE_LOCK)
    existing = DatasetLineage.objects.filter(
        source=source, target=target, job_namespace=job_namespace, job_name=job_name
    ).first()
    if existing is not None:
        return existing, False
    if _reaches(target.pk, source.pk):
        raise ConflictError(
            f"'{target}' is already upstream of '{source}': this edge would make a cycle.",
            field="source",
            code="cycle",
        )
    edge = DatasetLineage(
        source=source,
        target=target,
        job_namespace=job_namespace,
        job_name=job_name,
        run_id=run_id,
        created_by=actor,
    )
    edge.full_clean()
    edge.save()
    audit.record(
        actor=actor,
        action="registry.lineage.recorded",
        obj=edge,
        object_repr=f"{source} → {target}",
        changes=creation_changes(edge, ("source", "target", "job_namespace", "job_name", "run_id")),
    )
    return edge, True
