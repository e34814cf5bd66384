"""Who may download a system's auditor pack.

* **Auditors, compliance and executives** (and superusers): they read, verify and export the
  whole audit trail already (``registry.audit.permissions``); the pack is that trail cut to one
  system, with its evidence, in a form that verifies away from Steward.
* **The system's owners** — members of its owning team, its technical owner and its accountable
  executive: they answer for the system and are the ones asked to hand its record to an auditor
  or an authority.

Nobody else: engineers of other teams and reviewers read the system's page, but a pack is a
bulk export of its record and evidence, which the evidence store and the audit trail keep to
need-to-know. Within a pack, each evidence file is included only if its downloader may read it
(``registry.evidence.permissions``: restricted evidence goes to compliance, auditors, the
owners, the uploader and the named functions, not to every executive); what is left out is
listed, with its digest, as withheld.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from registry.audit.permissions import AUDIT_READER_ROLES
from registry.core.roles import roles_of
from registry.inventory.models import AISystem
from registry.inventory.permissions import owners_filter


def can_download_pack(user: Any, system: AISystem) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or roles_of(user) & AUDIT_READER_ROLES:
        return True
    return AISystem.objects.filter(owners_filter(user), pk=system.pk).exists()


def require_download_pack(user: Any, system: AISystem) -> None:
    if not can_download_pack(user, system):
        raise PermissionDenied(
            "Only auditors, compliance, executives and the system's owners download its "
            "auditor pack."
        )
