"""What belongs to a system, for its pack: the kinds of object whose audit events and evidence
go in it.

Each kind is registered here with the query that finds a system's objects of that kind, and who
may see them (None: everyone signed in, as for the whole inventory). The registry's own kinds
are registered below; governance registers approvals, reviews, findings, notifications and the
tier's policy in its AppConfig.ready (the layers only go down, as for evidence subjects).
Evidence items belong to a system when their subject does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from registry.evidence import permissions as evidence_permissions
from registry.evidence import subjects
from registry.evidence.models import EvidenceItem
from registry.inventory.models import (
    AIModel,
    AISystem,
    CostRecord,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
)


@dataclass(frozen=True)
class SystemPart:
    """One kind of object that belongs to a system. ``of_system(system)`` finds the system's
    objects of the kind; ``visible(user)``, a filter on ``model``, who may see them."""

    model: type[models.Model]
    of_system: Callable[[AISystem], QuerySet]
    visible: Callable[[Any], Q] | None = None

    @property
    def object_type(self) -> str:
        """The kind's name in the audit trail (``audit.object_type_of``)."""
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"

    def objects(self, system: AISystem, user: Any) -> QuerySet:
        queryset = self.of_system(system)
        return queryset if self.visible is None else queryset.filter(self.visible(user))


_registry: dict[str, SystemPart] = {}


def register(part: SystemPart) -> SystemPart:
    """Put a kind's events and evidence in its systems' packs (registering it again replaces
    it)."""
    _registry[part.object_type] = part
    return part


def registered() -> list[SystemPart]:
    return list(_registry.values())


def _ids_as_text(queryset: QuerySet) -> QuerySet:
    """The primary keys as the audit trail spells them (``object_id`` is text)."""
    return queryset.annotate(_pk_text=Cast("pk", output_field=CharField())).values("_pk_text")


def evidence_of(system: AISystem, user: Any, *, everything: bool) -> QuerySet[EvidenceItem]:
    """The evidence attached to the system's objects (that ``user`` sees) — every version.
    ``everything=False`` keeps only the items ``user`` may read (for someone who does not read
    the whole audit trail, whose events tell what restricted evidence there is)."""
    by_model = {part.model: part for part in _registry.values()}
    match = Q(pk__in=[])
    for kind in subjects.registered():
        part = by_model.get(kind.model)
        if part is not None:
            ids = part.objects(system, user).values("pk")
            match |= Q(subject_type=kind.key, subject_id__in=ids)
    items = EvidenceItem.objects.filter(match)
    if not everything:
        items = items.filter(evidence_permissions.evidence_visibility(user))
    return items


def events_filter(system: AISystem, user: Any, evidence: QuerySet[EvidenceItem]) -> Q:
    """The audit events of the system's pack, as one filter on ``AuditEvent``: those about the
    system's objects that ``user`` sees, and about ``evidence``."""
    match = Q(pk__in=[])
    for part in _registry.values():
        ids = _ids_as_text(part.objects(system, user))
        match |= Q(object_type=part.object_type, object_id__in=ids)
    evidence_type = f"{EvidenceItem._meta.app_label}.{EvidenceItem._meta.model_name}"
    return match | Q(object_type=evidence_type, object_id__in=_ids_as_text(evidence))


# --- The registry's own kinds -----------------------------------------------------------------

register(SystemPart(AISystem, lambda system: AISystem.objects.filter(pk=system.pk)))
register(SystemPart(AIModel, lambda system: AIModel.objects.filter(system=system)))
register(SystemPart(ModelVersion, lambda system: ModelVersion.objects.filter(model__system=system)))
register(
    SystemPart(
        Dataset,
        lambda system: Dataset.objects.filter(version_links__model_version__model__system=system),
    )
)
# How the system's datasets were derived: the lineage edges into them.
register(
    SystemPart(
        DatasetLineage,
        lambda system: DatasetLineage.objects.filter(
            target__version_links__model_version__model__system=system
        ),
    )
)
register(
    SystemPart(
        Deployment, lambda system: Deployment.objects.filter(model_version__model__system=system)
    )
)
register(SystemPart(Incident, lambda system: Incident.objects.filter(system=system)))
register(SystemPart(CostRecord, lambda system: CostRecord.objects.filter(system=system)))
