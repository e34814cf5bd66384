"""Where Django's admin finds the registry's model admins: each capability registers its own."""

from registry.audit import admin as audit_admin  # noqa: F401
from registry.evidence import admin as evidence_admin  # noqa: F401
from registry.inventory import admin as inventory_admin  # noqa: F401
from registry.people import admin as people_admin  # noqa: F401
