"""Extension points of approvals (the mechanism of ``registry.inventory.hooks``): what else a
production approval or deployment needs, asked of capabilities that approvals does not import.

Governance's AppConfig.ready registers the documents' checks here: a production request needs
the technical documentation the tier's policy demands, and a deployer's production use of a
high-risk system a signed fundamental-rights impact assessment. Each check returns the reasons
it refuses, in words (``Hook.collect`` gathers them); none means it has no objection."""

from __future__ import annotations

from registry.inventory.hooks import Hook

# ``(system=, model_version=, policy=, now=) -> list[str]``: why a production approval of this
# version may not be requested now (``approval_request`` refuses, 409, with them all).
production_request_checks = Hook()
on_production_request = production_request_checks.register

# ``(system=, model_version=, policy=, now=) -> list[str]``: why this version may not go to
# production now, beyond its approval (``gate_decide`` adds them to its reasons).
production_gate_checks = Hook()
on_production_gate = production_gate_checks.register
