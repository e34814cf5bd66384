"""Enumerations of the documents: Annex IV's sections, completeness, FRIA states, PDF jobs."""

from django.db import models


class Section(models.TextChoices):
    """The sections of the technical documentation of a high-risk system (EU AI Act Art. 11,
    Annex IV points 1 to 9), in Annex IV's order."""

    GENERAL_DESCRIPTION = "general_description", "General description of the AI system"
    DEVELOPMENT = "development", "Development process and data"
    MONITORING_CONTROL = "monitoring_control", "Monitoring, functioning and control"
    PERFORMANCE_METRICS = "performance_metrics", "Appropriateness of the performance metrics"
    RISK_MANAGEMENT = "risk_management", "Risk management system"
    LIFECYCLE_CHANGES = "lifecycle_changes", "Changes over the lifecycle"
    STANDARDS = "standards", "Harmonised standards and specifications applied"
    DECLARATION_OF_CONFORMITY = "declaration_of_conformity", "EU declaration of conformity"
    POST_MARKET_MONITORING = "post_market_monitoring", "Post-market monitoring plan"


# Where each section comes from in the Act.
SECTION_REFERENCES = {
    Section.GENERAL_DESCRIPTION: "Annex IV(1)",
    Section.DEVELOPMENT: "Annex IV(2)",
    Section.MONITORING_CONTROL: "Annex IV(3)",
    Section.PERFORMANCE_METRICS: "Annex IV(4)",
    Section.RISK_MANAGEMENT: "Art. 9; Annex IV(5)",
    Section.LIFECYCLE_CHANGES: "Annex IV(6)",
    Section.STANDARDS: "Art. 40, 41; Annex IV(7)",
    Section.DECLARATION_OF_CONFORMITY: "Art. 47; Annex IV(8)",
    Section.POST_MARKET_MONITORING: "Art. 72; Annex IV(9)",
}


class Completeness(models.TextChoices):
    COMPLETE = "complete", "Complete"
    PARTIAL = "partial", "Partial"
    MISSING = "missing", "Missing"


class FRIAStatus(models.TextChoices):
    """Where an assessment stands. A draft is written and edited; submitted, it waits for the
    sign-offs of compliance and privacy (a request for changes returns it to draft); approved,
    it allows production use until a substantial change of the system makes it outdated."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for sign-off"
    APPROVED = "approved", "Approved"
    OUTDATED = "outdated", "Outdated"


# At most one assessment of a system is being written or signed at a time.
OPEN_FRIA_STATUSES = (FRIAStatus.DRAFT, FRIAStatus.SUBMITTED)


class FRIAFunction(models.TextChoices):
    """The functions that sign an assessment: both must approve."""

    COMPLIANCE = "compliance", "Compliance"
    PRIVACY = "privacy", "Privacy"


class FRIADecision(models.TextChoices):
    APPROVE = "approve", "Approve"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class DocumentKind(models.TextChoices):
    """The documents Steward exports as PDF and JSON."""

    TECHNICAL_DOCUMENTATION = "technical_documentation", "Technical documentation"
    MODEL_CARD = "model_card", "Model card"
    FRIA = "fria", "Fundamental-rights impact assessment"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
