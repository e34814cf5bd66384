"""Enumerations of the inventory (DESIGN.md), one ``TextChoices`` per concept."""

from django.db import models


class RiskTier(models.TextChoices):
    """EU AI Act risk categories."""

    MINIMAL = "minimal", "Minimal"
    LIMITED = "limited", "Limited"
    HIGH = "high", "High"
    UNACCEPTABLE = "unacceptable", "Unacceptable"


class Lifecycle(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    DEVELOPMENT = "development", "Development"
    VALIDATION = "validation", "Validation"
    PRODUCTION = "production", "Production"
    RETIRED = "retired", "Retired"


class AIActRole(models.TextChoices):
    """Whether the organisation provides the system or deploys someone else's (EU AI Act)."""

    PROVIDER = "provider", "Provider"
    DEPLOYER = "deployer", "Deployer"


class ModelProvider(models.TextChoices):
    IN_HOUSE = "in_house", "In-house"
    VENDOR = "vendor", "Vendor"
    FOUNDATION = "foundation", "Foundation model"
    OPEN_SOURCE = "open_source", "Open-source"


class VersionStatus(models.TextChoices):
    REGISTERED = "registered", "Registered"
    APPROVED = "approved", "Approved"
    DEPLOYED = "deployed", "Deployed"
    DEPRECATED = "deprecated", "Deprecated"


# Once a version leaves "registered" its content is frozen: a change means a new version.
FROZEN_VERSION_STATUSES = frozenset(
    {VersionStatus.APPROVED, VersionStatus.DEPLOYED, VersionStatus.DEPRECATED}
)


class Classification(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    RESTRICTED = "restricted", "Restricted"


class LegalBasis(models.TextChoices):
    """GDPR Article 6 lawful bases, required when a dataset holds personal data."""

    NONE = "", "None"
    CONSENT = "consent", "Consent"
    CONTRACT = "contract", "Contract"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
    VITAL_INTERESTS = "vital_interests", "Vital interests"
    PUBLIC_TASK = "public_task", "Public task"
    LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests"


class DatasetRole(models.TextChoices):
    TRAINING = "training", "Training"
    VALIDATION = "validation", "Validation"
    EVALUATION = "evaluation", "Evaluation"
    FINE_TUNING = "fine_tuning", "Fine-tuning"


class Environment(models.TextChoices):
    STAGING = "staging", "Staging"
    PRODUCTION = "production", "Production"


class DeploymentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ROLLED_BACK = "rolled_back", "Rolled back"
    RETIRED = "retired", "Retired"


class IncidentSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    MITIGATED = "mitigated", "Mitigated"
    RESOLVED = "resolved", "Resolved"


class CostSource(models.TextChoices):
    """Where a spend figure comes from; each source keeps its own record per month."""

    CLOUD_BILL = "cloud_bill", "Cloud bill"
    VENDOR_INVOICE = "vendor_invoice", "Vendor invoice"
    FINOPS_PIPELINE = "finops_pipeline", "FinOps pipeline"
    OTHER = "other", "Other"


class SeriousIncidentCategory(models.TextChoices):
    """What made an incident serious (EU AI Act art. 3(49)); it sets the reporting deadline
    (art. 73): 15 days after awareness in general, 10 when a person died, 2 for a widespread
    infringement or a serious disruption of critical infrastructure."""

    HARM = "harm", "Serious harm to health, property, the environment or fundamental rights"
    DEATH = "death", "Death of a person"
    WIDESPREAD_INFRINGEMENT = "widespread_infringement", "Widespread infringement"
    CRITICAL_INFRASTRUCTURE = (
        "critical_infrastructure",
        "Serious disruption of critical infrastructure",
    )


# Days from awareness to the report's deadline, per category (EU AI Act art. 73(2) to (4)).
REPORTING_DAYS = {
    SeriousIncidentCategory.HARM: 15,
    SeriousIncidentCategory.DEATH: 10,
    SeriousIncidentCategory.WIDESPREAD_INFRINGEMENT: 2,
    SeriousIncidentCategory.CRITICAL_INFRASTRUCTURE: 2,
}
