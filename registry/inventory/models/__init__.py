"""The inventory's models. Import from here: ``from registry.inventory.models import X``."""

from .costs import CostRecord
from .operations import Deployment, Incident
from .systems import AIModel, AISystem, Dataset, DatasetLineage, ModelVersion, ModelVersionDataset

__all__ = [
    "AIModel",
    "AISystem",
    "CostRecord",
    "Dataset",
    "DatasetLineage",
    "Deployment",
    "Incident",
    "ModelVersion",
    "ModelVersionDataset",
]
