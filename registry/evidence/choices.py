"""Enumerations of the evidence store."""

from django.db import models


class EvidenceKind(models.TextChoices):
    """What a piece of evidence is."""

    VALIDATION_REPORT = "validation_report", "Validation report"
    TEST_RESULTS = "test_results", "Test results"
    DPIA = "dpia", "Data protection impact assessment (DPIA)"
    FRIA = "fria", "Fundamental-rights impact assessment (FRIA)"
    VENDOR_DOCUMENTATION = "vendor_documentation", "Vendor documentation"
    SECURITY_ASSESSMENT = "security_assessment", "Security assessment"
    MONITORING_REPORT = "monitoring_report", "Monitoring report"
    POLICY = "policy", "Policy"
    OTHER = "other", "Other"


class SubjectType(models.TextChoices):
    """What evidence can be attached to. The registry's own objects are attachable as soon as
    the registry loads; the governance objects once governance registers them
    (``registry.evidence.subjects``): the names are the API's contract, the rules are theirs."""

    SYSTEM = "system", "AI system"
    MODEL_VERSION = "model_version", "Model version"
    DATASET = "dataset", "Dataset"
    INCIDENT = "incident", "Incident"
    APPROVAL = "approval", "Approval request"
    REVIEW = "review", "Risk review"
    FINDING = "finding", "Risk finding"


class EvidenceStatus(models.TextChoices):
    """Where one version of an item stands. ``current`` is the version in force; a new version
    makes it ``superseded``; withdrawing the item marks its current version ``withdrawn``. Every
    version stays in the record, and downloadable."""

    CURRENT = "current", "Current"
    SUPERSEDED = "superseded", "Superseded"
    WITHDRAWN = "withdrawn", "Withdrawn"
