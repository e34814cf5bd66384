"""State changes of policies: ``policy_update``, keyword-only, the actor explicit, atomic, the row
locked and the change audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from governance.policies import permissions as policies_permissions
from governance.policies.models import Policy
from registry.audit import services as audit
from registry.audit.changes import apply_changes
from registry.core.etags import check_if_match

POLICY_FIELDS = (
    "approvable",
    "required_functions",
    "signoff_sla_days",
    "approval_validity_days",
    "review_cadence_days",
    "reminder_interval_hours",
    "escalation_hours",
    "documentation_min_score",
    "documentation_no_missing",
    "fria_required",
)


# --- Policies ---------------------------------------------------------------------------------


@transaction.atomic
def policy_update(
    *, actor: Any, policy: Policy, data: dict[str, Any], if_match: str | None = None
) -> Policy:
    """Compliance changes a tier's policy. Open requests keep the snapshot they were made under."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if actor is not None:
        policies_permissions.require_edit_policies(actor)
    check_if_match(policy, if_match)
    changes = apply_changes(policy, data, POLICY_FIELDS)
    if not changes:
        return policy
    policy.updated_by = actor
    policy.full_clean()
    policy.save()
    audit.record(actor=actor, action="governance.policy.updated", obj=policy, changes=changes)
    return policy
