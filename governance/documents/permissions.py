"""One place answers "may this user …?" for the documents of a system.

* **Read** a system's documents (model cards, technical documentation, FRIA, registration data,
  their exports): its owners (members of the owning team, the technical owner, the accountable
  executive), the reviewing functions (legal, security, privacy, finance, compliance),
  executives, auditors and superusers. Anyone else gets 404, as if there were none.
* **Write** them (edit a card, the documentation's text, map evidence to a section, write or
  submit an assessment, the registration data, ask for a PDF): those who may register under the
  system (its owning team and technical owner, with the engineer role) and the reviewing
  functions. Executives and auditors never write, whatever else they hold.
* **Sign** an assessment: a member of compliance or privacy, for that function, who is
  independent of it — not one of its writers or its submitter, not in the system's owning team
  nor its technical owner — and who signs one function only (``fria_signoff_refusal``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from registry.core import roles
from registry.core.roles import READ_ONLY_ROLES, REVIEW_FUNCTIONS
from registry.inventory import permissions as inventory_permissions
from registry.inventory.models import AISystem
from registry.people.permissions import team_ids_of

# Who reads every system's documents.
DOCUMENT_READER_ROLES = READ_ONLY_ROLES | frozenset(REVIEW_FUNCTIONS)


def _active(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def reads_all_documents(user: Any) -> bool:
    return _active(user) and (
        user.is_superuser or bool(roles.roles_of(user) & DOCUMENT_READER_ROLES)
    )


def documents_visibility(user: Any, prefix: str = "") -> Q:
    """The systems whose documents ``user`` may read, as a filter on the system at ``prefix``."""
    if not _active(user):
        return Q(pk__in=[])
    if reads_all_documents(user):
        return Q()
    return inventory_permissions.owners_filter(user, prefix)


def can_read_documents(user: Any, system: AISystem) -> bool:
    if not _active(user):
        return False
    if reads_all_documents(user):
        return True
    return (
        system.owning_team_id in team_ids_of(user)
        or system.technical_owner_id == user.pk
        or system.accountable_executive_id == user.pk
    )


def require_read_documents(user: Any, system: AISystem) -> None:
    """404 for whoever may not read them: they do not learn the documents exist."""
    if not can_read_documents(user, system):
        raise Http404("No such document.")


def can_write_documents(user: Any, system: AISystem) -> bool:
    if not _active(user) or roles.is_read_only(user):
        return False
    if user.is_superuser or roles.roles_of(user) & set(REVIEW_FUNCTIONS):
        return True
    return inventory_permissions.can_register_under(user, system)


def require_write_documents(user: Any, system: AISystem) -> None:
    """403 for a reader who may not write (the caller checked they may read)."""
    if not can_write_documents(user, system):
        raise PermissionDenied(
            f"Only the owning team and technical owner of '{system}' and the reviewing "
            "functions write its documents."
        )
