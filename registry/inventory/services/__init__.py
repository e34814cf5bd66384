"""State changes of the inventory: one function per action, taking the acting user, atomic,
locking the row before checking its state, and writing one audit event.

``actor=None`` means the system itself (migrations, demo data, tasks with no user); permission
checks apply to every other caller. Import from here: ``from registry.inventory import services``.
"""

from .costs import cost_record
from .datasets import dataset_create, dataset_update, lineage_record
from .ml import (
    model_create,
    model_move,
    model_update,
    version_bindings,
    version_create,
    version_update,
)
from .operations import deployment_create, deployment_update, incident_create, incident_update
from .systems import system_create, system_update

__all__ = [
    "cost_record",
    "dataset_create",
    "dataset_update",
    "deployment_create",
    "deployment_update",
    "incident_create",
    "incident_update",
    "lineage_record",
    "model_create",
    "model_move",
    "model_update",
    "system_create",
    "system_update",
    "version_bindings",
    "version_create",
    "version_update",
]
