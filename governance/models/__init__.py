"""Governance models, split by capability. Import from here: ``from governance.models import X``."""

from .approvals import ApprovalRequest, DeploymentApproval, Signoff
from .notifications import Notification
from .policies import (
    FUNCTION_VALUES,
    Policy,
    validate_cadence,
    validate_escalation,
    validate_functions,
)
from .reviews import RiskFinding, RiskReview

__all__ = [
    "FUNCTION_VALUES",
    "ApprovalRequest",
    "DeploymentApproval",
    "Notification",
    "Policy",
    "RiskFinding",
    "RiskReview",
    "Signoff",
    "validate_cadence",
    "validate_escalation",
    "validate_functions",
]
