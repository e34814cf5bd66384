from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """The process built on the registry: policies, approvals and sign-offs, risk reviews and
    findings, chasing and escalation, and the accountability map."""

    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from governance.approvals import hooks as approval_hooks
        from governance.approvals import permissions as approval_permissions
        from governance.approvals import services
        from governance.documents import assessments, checks
        from governance.reviews import permissions as review_permissions
        from registry.evidence import hooks as evidence_hooks
        from registry.evidence import subjects
        from registry.inventory import hooks

        # A change to what an approval was bound to invalidates it, in the same transaction.
        hooks.on_version_bindings_changed(services.approvals_invalidate_for_version)
        # So does moving the model to another system: its policy and owners decided the request.
        hooks.on_model_moved(services.approvals_invalidate_for_model_move)
        # And a change of the system's risk tier: its policy decided who had to sign.
        hooks.on_system_changed(services.approvals_invalidate_for_system_change)
        # Evidence attaches to requests, reviews and findings, seen and owned as they are.
        subjects.register(approval_permissions.EVIDENCE_SUBJECT)
        subjects.register(review_permissions.REVIEW_EVIDENCE_SUBJECT)
        subjects.register(review_permissions.FINDING_EVIDENCE_SUBJECT)
        # Evidence a sign-off was given on, replaced or withdrawn, invalidates the request.
        evidence_hooks.on_evidence_changed(services.approvals_invalidate_for_evidence)
        # The documents: production requests need the documentation the tier's policy asks
        # for; a deployer's high-risk system needs a signed FRIA before production use, which a
        # substantial change of the system, or of its DPIA, makes outdated.
        approval_hooks.on_production_request(checks.documentation_request_reasons)
        approval_hooks.on_production_gate(checks.fria_gate_reasons)
        hooks.on_system_changed(assessments.frias_outdate_for_system_change)
        evidence_hooks.on_evidence_changed(assessments.frias_outdate_for_evidence)
        _register_pack_parts()


def _register_pack_parts() -> None:
    """A system's auditor pack holds the events (and evidence) of its requests and their
    sign-offs, its reviews and findings as far as the downloader sees them, the reminders and
    escalations about them, and the policy of its risk tier."""
    from governance.approvals.models import ApprovalRequest
    from governance.chasing.models import Notification
    from governance.policies.models import Policy
    from governance.reviews.models import RiskFinding, RiskReview
    from governance.reviews.permissions import finding_visibility, review_visibility
    from registry.pack.scope import SystemPart, register

    register(
        SystemPart(
            ApprovalRequest,
            lambda system: ApprovalRequest.objects.filter(model_version__model__system=system),
        )
    )
    register(
        SystemPart(
            RiskReview, lambda system: RiskReview.objects.filter(system=system), review_visibility
        )
    )
    register(
        SystemPart(
            RiskFinding,
            lambda system: RiskFinding.objects.filter(system=system),
            finding_visibility,
        )
    )
    register(SystemPart(Notification, lambda system: Notification.objects.filter(system=system)))
    register(SystemPart(Policy, lambda system: Policy.objects.filter(risk_tier=system.risk_tier)))
