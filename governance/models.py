"""Where Django finds the governance app's models: each lives in its capability's package and
keeps the app label ``governance`` and its table name. Code imports models from their package,
not from here. The policy validators stay importable from here for the historical migrations."""

from governance.approvals.models import (
    ApprovalRequest,
    DeploymentApproval,
    Signoff,
    SignoffEvidence,
)
from governance.chasing.models import Notification
from governance.documents.models import (
    DocumentJob,
    FRIASignoff,
    FundamentalRightsAssessment,
    ModelCard,
    RegistrationData,
    SectionEvidence,
    TechnicalDocumentation,
)
from governance.policies.models import (
    Policy,
    validate_cadence,
    validate_escalation,
    validate_functions,
)
from governance.reviews.models import RiskFinding, RiskReview

__all__ = [
    "ApprovalRequest",
    "DeploymentApproval",
    "DocumentJob",
    "FRIASignoff",
    "FundamentalRightsAssessment",
    "ModelCard",
    "Notification",
    "Policy",
    "RegistrationData",
    "RiskFinding",
    "RiskReview",
    "SectionEvidence",
    "Signoff",
    "SignoffEvidence",
    "TechnicalDocumentation",
    "validate_cadence",
    "validate_escalation",
    "validate_functions",
]
