"""Where Django finds the registry app's models: each lives in its capability's package
(``registry.audit``, ``registry.people``, ``registry.inventory``, ``registry.evidence``,
``registry.api``) and keeps the app label ``registry`` and its table name. Code imports models
from their package, not from here."""

from registry.api.models import IdempotencyKey
from registry.audit.models import AuditChainHead, AuditEvent
from registry.evidence.models import EvidenceGrant, EvidenceItem
from registry.inventory.models import (
    AIModel,
    AISystem,
    CostRecord,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
    ModelVersionDataset,
)
from registry.people.models import APIToken, Team

__all__ = [
    "AIModel",
    "AISystem",
    "APIToken",
    "AuditChainHead",
    "AuditEvent",
    "CostRecord",
    "Dataset",
    "DatasetLineage",
    "Deployment",
    "EvidenceGrant",
    "EvidenceItem",
    "IdempotencyKey",
    "Incident",
    "ModelVersion",
    "ModelVersionDataset",
    "Team",
]
