from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """The process built on the registry: policies, approvals and sign-offs, risk reviews and
    findings, chasing and escalation, and the accountability map."""

    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from governance.approvals import services
        from registry.inventory import hooks

        # A change to what an approval was bound to invalidates it, in the same transaction.
        hooks.on_version_bindings_changed(services.approvals_invalidate_for_version)
        # So does moving the model to another system: its policy and owners decided the request.
        hooks.on_model_moved(services.approvals_invalidate_for_model_move)
        # And a change of the system's risk tier: its policy decided who had to sign.
        hooks.on_system_changed(services.approvals_invalidate_for_system_change)
