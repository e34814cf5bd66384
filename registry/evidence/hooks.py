"""Extension points of the evidence store (the mechanism of ``registry.inventory.hooks``).

Governance registers here in its AppConfig.ready: a sign-off records the evidence it was given
on, and evidence that stops being in force after that invalidates the decision, in the
transaction that changed the evidence. A failing hook rolls that change back."""

from __future__ import annotations

from registry.inventory.hooks import Hook

# ``(actor=, item=, change=, replacement=)``: ``item``, a version that was in force, no longer is:
# ``change`` is "superseded" (by ``replacement``, the new version) or "withdrawn" (``replacement``
# is None).
evidence_changed = Hook()
on_evidence_changed = evidence_changed.register
