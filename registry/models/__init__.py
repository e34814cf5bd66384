"""The registry's models, split by capability.

Import from here: ``from registry.models import X``.
"""

from .audit import AuditChainHead, AuditEvent
from .base import TimeStampedModel
from .costs import CostRecord
from .idempotency import IdempotencyKey
from .inventory import AIModel, AISystem, Dataset, DatasetLineage, ModelVersion, ModelVersionDataset
from .operations import Deployment, Incident
from .people import APIToken, Team

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
    "IdempotencyKey",
    "Incident",
    "ModelVersion",
    "ModelVersionDataset",
    "Team",
    "TimeStampedModel",
]
