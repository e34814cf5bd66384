"""The documents' own rows: what the registry does not already know.

A model card is stored per model version (its lineage, metrics and owners are read from the
registry and only pre-fill it); the technical documentation of a system keeps the words of the
sections the registry cannot assemble (standards applied, the declaration of conformity, the
post-market monitoring plan) and which evidence a compliance user mapped to which section; an
assessment (FRIA) and the registration data are stored whole. PDF jobs record each export made
in the background, with the digest of the file and the ledger head it was built from.
"""

from __future__ import annotations

import numbers

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models

from governance.documents.choices import (
    OPEN_FRIA_STATUSES,
    DocumentKind,
    FRIADecision,
    FRIAFunction,
    FRIAStatus,
    JobStatus,
    Section,
)
from registry.core.models import TimeStampedModel

_URL = URLValidator(schemes=["http", "https"])


def validate_metrics(value) -> None:
    """``[{"name": str, "value": number, "slice": str, "dataset": str}, …]``; ``slice`` names
    the subgroup ("" or absent: the whole evaluation set)."""
    if not isinstance(value, list):
        raise ValidationError("Must be a list of metrics: [{name, value, slice, dataset}].")
    allowed = {"name", "value", "slice", "dataset"}
    for i, metric in enumerate(value):
        where = f"Metric {i + 1}"
        if not isinstance(metric, dict):
            raise ValidationError(f"{where} must be an object with a name and a value.")
        unknown = sorted(set(metric) - allowed)
        if unknown:
            raise ValidationError(f"{where} has unknown keys: {', '.join(unknown)}.")
        name = metric.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise ValidationError(f"{where} needs a name (text, up to 100 characters).")
        number = metric.get("value")
        if not isinstance(number, numbers.Real) or isinstance(number, bool):
            raise ValidationError(f"{where} ('{name}') needs a numeric value.")
        for key in ("slice", "dataset"):
            if not isinstance(metric.get(key, ""), str) or len(metric.get(key, "")) > 300:
                raise ValidationError(f"{where} ('{name}'): {key} must be text.")


def validate_contacts(value) -> None:
    """``[{"name": str, "role": str, "email": str}, …]``."""
    if not isinstance(value, list):
        raise ValidationError("Must be a list of contacts: [{name, role, email}].")
    for i, contact in enumerate(value):
        where = f"Contact {i + 1}"
        if not isinstance(contact, dict):
            raise ValidationError(f"{where} must be an object with a name.")
        unknown = sorted(set(contact) - {"name", "role", "email"})
        if unknown:
            raise ValidationError(f"{where} has unknown keys: {', '.join(unknown)}.")
        if not isinstance(contact.get("name"), str) or not contact["name"].strip():
            raise ValidationError(f"{where} needs a name.")
        if not isinstance(contact.get("role", ""), str):
            raise ValidationError(f"{where}: role must be text.")
        email = contact.get("email", "")
        if not isinstance(email, str):
            raise ValidationError(f"{where}: email must be text.")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(f"{where}: '{email}' is not an email address.") from None


def validate_narrative(value) -> None:
    """``{section: text}`` for sections of Annex IV."""
    if not isinstance(value, dict):
        raise ValidationError("Must map sections to text.")
    unknown = sorted(set(value) - set(Section.values))
    if unknown:
        raise ValidationError(f"Unknown sections: {', '.join(unknown)}.")
    if any(not isinstance(v, str) or len(v) > 20_000 for v in value.values()):
        raise ValidationError("Each section's text must be text of at most 20,000 characters.")


class ModelCard(TimeStampedModel):
    """The structured model card of one model version. Versioned with the version: while the
    version is registered the card is edited; once it is approved, deployed or deprecated the
    card is frozen with it, and a change means a new version (whose card starts from this one).
    Lineage, metrics and contacts are pre-filled from the registry when the card is first
    written; the lineage shown with it is always read from the registry."""

    model_version = models.OneToOneField(
        "registry.ModelVersion", on_delete=models.PROTECT, related_name="model_card"
    )
    intended_use = models.TextField(blank=True)
    intended_users = models.TextField(blank=True, help_text="Who uses the model's output.")
    out_of_scope_uses = models.TextField(blank=True)
    training_data = models.TextField(
        blank=True, help_text="Notes on the training data, beyond the lineage on record."
    )
    evaluation_data = models.TextField(
        blank=True, help_text="Notes on the evaluation data, beyond the lineage on record."
    )
    metrics = models.JSONField(default=list, blank=True, validators=[validate_metrics])
    limitations = models.TextField(blank=True)
    ethical_considerations = models.TextField(blank=True)
    human_oversight = models.TextField(blank=True)
    contacts = models.JSONField(default=list, blank=True, validators=[validate_contacts])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Model card of version {self.model_version_id}"


class TechnicalDocumentation(TimeStampedModel):
    """What the technical documentation of a system says in words where the registry has no
    record to assemble from (``narrative``: section → text)."""

    system = models.OneToOneField(
        "registry.AISystem", on_delete=models.PROTECT, related_name="technical_documentation"
    )
    narrative = models.JSONField(default=dict, blank=True, validators=[validate_narrative])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "technical documentation"

    def __str__(self) -> str:
        return f"Technical documentation of system {self.system_id}"


class SectionEvidence(models.Model):
    """An evidence item mapped to a section of a system's technical documentation by hand (on
    top of the mapping by kind). It names the item's lineage, so a corrected version of the item
    stays mapped; ``evidence`` is the version that was mapped."""

    system = models.ForeignKey(
        "registry.AISystem", on_delete=models.PROTECT, related_name="section_evidence"
    )
    section = models.CharField(max_length=40, choices=Section.choices)
    evidence = models.ForeignKey(
        "registry.EvidenceItem", on_delete=models.PROTECT, related_name="section_links"
    )
    evidence_lineage = models.UUIDField(db_index=True)
    mapped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["section", "id"]
        verbose_name_plural = "section evidence"
        constraints = [
            models.UniqueConstraint(
                fields=["system", "section", "evidence_lineage"], name="sectionevidence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section} ← evidence {self.evidence_id}"


class FundamentalRightsAssessment(TimeStampedModel):
    """A deployer's fundamental-rights impact assessment of a high-risk system (EU AI Act
    Art. 27): the structured form, signed by compliance and privacy. ``number`` counts a
    system's assessments: a substantial change makes the approved one outdated, and the next
    one starts from its text. ``round`` counts submissions, as on approvals."""

    system = models.ForeignKey("registry.AISystem", on_delete=models.PROTECT, related_name="frias")
    number = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=20, choices=FRIAStatus.choices, default=FRIAStatus.DRAFT, db_index=True
    )
    round = models.PositiveIntegerField(default=1)
    processes = models.TextField(
        blank=True,
        help_text="The deployer's processes in which the system is used (Art. 27(1)(a)).",
    )
    period_of_use = models.TextField(
        blank=True, help_text="The period and frequency of use (Art. 27(1)(b))."
    )
    affected_persons = models.TextField(
        blank=True, help_text="Categories of persons and groups likely affected (Art. 27(1)(c))."
    )
    risks_of_harm = models.TextField(
        blank=True, help_text="The specific risks of harm to them (Art. 27(1)(d))."
    )
    oversight_measures = models.TextField(
        blank=True, help_text="Human oversight measures (Art. 27(1)(e))."
    )
    mitigation_measures = models.TextField(
        blank=True,
        help_text="Measures if the risks materialise, and internal governance (Art. 27(1)(f)).",
    )
    complaint_mechanism = models.TextField(
        blank=True, help_text="How affected persons complain and obtain redress."
    )
    dpia = models.ForeignKey(
        "registry.EvidenceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The DPIA it complements, where personal data is processed (Art. 27(4)).",
    )
    assessed_risk_tier = models.CharField(max_length=20, blank=True)
    assessed_intended_use = models.TextField(blank=True)
    editors = models.JSONField(
        default=list, blank=True, help_text="Ids of everyone who wrote it: none of them signs."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    outdated_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["system_id", "-number"]
        verbose_name = "fundamental-rights impact assessment"
        constraints = [
            models.UniqueConstraint(fields=["system", "number"], name="fria_unique_number"),
            models.UniqueConstraint(
                fields=["system"],
                condition=models.Q(status__in=OPEN_FRIA_STATUSES),
                name="fria_one_open_per_system",
            ),
        ]

    def __str__(self) -> str:
        return f"FRIA #{self.number} of system {self.system_id}"


class FRIASignoff(models.Model):
    """One function's decision on one round of an assessment."""

    fria = models.ForeignKey(
        FundamentalRightsAssessment, on_delete=models.PROTECT, related_name="signoffs"
    )
    round = models.PositiveIntegerField()
    function = models.CharField(max_length=20, choices=FRIAFunction.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=FRIADecision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "FRIA sign-off"
        constraints = [
            models.UniqueConstraint(
                fields=["fria", "round", "function"], name="friasignoff_one_per_function"
            ),
            models.UniqueConstraint(
                fields=["fria", "round", "reviewer"], name="friasignoff_one_per_reviewer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.function} {self.decision} on FRIA {self.fria_id}"


class RegistrationData(TimeStampedModel):
    """What a system's entry in the EU database holds (Art. 49; Annex VIII section A for a
    provider, section C for a deployer), as ``data`` (field → value; the fields and their rules
    are in ``governance.documents.registration``). Unset fields are pre-filled from the record."""

    system = models.OneToOneField(
        "registry.AISystem", on_delete=models.PROTECT, related_name="registration_data"
    )
    data = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "registration data"

    def __str__(self) -> str:
        return f"EU database registration of system {self.system_id}"


class DocumentJob(models.Model):
    """A PDF built in the background (a large dossier): who asked, how far it got, and the file
    with its digest and the ledger head it was built from once done."""

    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    system = models.ForeignKey(
        "registry.AISystem", on_delete=models.PROTECT, related_name="document_jobs"
    )
    subject_id = models.PositiveBigIntegerField(
        help_text="The system, version or assessment the document is of."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    stage = models.CharField(max_length=200, blank=True)
    storage_key = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    ledger_sequence = models.BigIntegerField(null=True, blank=True)
    ledger_hash = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=JobStatus.DONE) | ~models.Q(storage_key=""),
                name="documentjob_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} PDF job #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
