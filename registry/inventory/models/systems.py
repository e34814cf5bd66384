"""The AI inventory: systems, their models and versions, datasets and lineage between them.

Governed records are PROTECTed from cascading deletes: removing a team or a person never silently
removes the record of what they owned.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from registry.core.models import TimeStampedModel
from registry.inventory.choices import (
    AIActRole,
    Classification,
    DatasetRole,
    LegalBasis,
    Lifecycle,
    ModelProvider,
    RiskTier,
    VersionStatus,
)

sha256_validator = RegexValidator(
    r"^[0-9a-f]{64}$", "Enter a SHA-256 digest: 64 lowercase hexadecimal characters."
)


class AISystem(TimeStampedModel):
    """The unit of accountability: one AI use case, in production or on its way there, with the
    people answerable for it, its EU AI Act risk tier and where it is in its lifecycle."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    purpose = models.TextField(help_text="What the system is for.")
    intended_use = models.TextField(blank=True)
    business_unit = models.CharField(max_length=150, blank=True)
    risk_tier = models.CharField(max_length=20, choices=RiskTier.choices, db_index=True)
    risk_rationale = models.TextField(blank=True)
    lifecycle = models.CharField(
        max_length=20, choices=Lifecycle.choices, default=Lifecycle.PROPOSED, db_index=True
    )
    owning_team = models.ForeignKey(
        "registry.Team", on_delete=models.PROTECT, related_name="systems"
    )
    technical_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="technically_owned_systems",
    )
    accountable_executive = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accountable_systems",
    )
    on_call_contact = models.CharField(max_length=200, blank=True)
    cost_centre = models.CharField(max_length=50, blank=True)
    monthly_budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    budget_currency = models.CharField(max_length=3, default="EUR")
    ai_act_role = models.CharField(
        max_length=20, choices=AIActRole.choices, default=AIActRole.PROVIDER
    )
    vendor = models.CharField(max_length=200, blank=True, help_text="Third-party vendor, if any.")
    human_oversight = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "AI system"
        permissions = [("register_aisystem", "Can register models and versions under the system")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_budget__isnull=True) | models.Q(monthly_budget__gte=0),
                name="aisystem_budget_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AIModel(TimeStampedModel):
    """A model that serves a system: built in-house, bought from a vendor or a foundation model.
    Names are unique across the registry, as MLflow's registered-model names are."""

    system = models.ForeignKey(AISystem, on_delete=models.PROTECT, related_name="models")
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    task = models.CharField(max_length=100, blank=True, help_text="e.g. classification")
    framework = models.CharField(max_length=100, blank=True, help_text="e.g. xgboost, pytorch")
    provider = models.CharField(
        max_length=20, choices=ModelProvider.choices, default=ModelProvider.IN_HOUSE
    )
    vendor = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "AI model"

    def __str__(self) -> str:
        return self.name


class ModelVersion(TimeStampedModel):
    """One trained artefact of a model, with its digest, provenance, metrics and model card.
    Once approved its content is frozen: a change means a new version."""

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=64)
    artifact_uri = models.CharField(max_length=1000, blank=True)
    artifact_sha256 = models.CharField(max_length=64, blank=True, validators=[sha256_validator])
    source_commit = models.CharField(max_length=100, blank=True)
    run_id = models.CharField(max_length=100, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    card_intended_use = models.TextField(blank=True)
    card_limitations = models.TextField(blank=True)
    card_evaluation_summary = models.TextField(blank=True)
    status = models.CharField(
        max_length=20,
        choices=VersionStatus.choices,
        default=VersionStatus.REGISTERED,
        db_index=True,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_versions",
    )
    datasets = models.ManyToManyField(
        "registry.Dataset", through="registry.ModelVersionDataset", related_name="model_versions"
    )

    class Meta:
        ordering = ["model_id", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["model", "version"], name="modelversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} v{self.version}"


class Dataset(TimeStampedModel):
    """A dataset, named as OpenLineage names them: (namespace, name)."""

    namespace = models.CharField(max_length=300)
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    owner_team = models.ForeignKey(
        "registry.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="datasets",
    )
    classification = models.CharField(
        max_length=20, choices=Classification.choices, default=Classification.INTERNAL
    )
    contains_personal_data = models.BooleanField(default=False)
    legal_basis = models.CharField(
        max_length=30, choices=LegalBasis.choices, blank=True, default=LegalBasis.NONE
    )
    # At most a century: a bound that means something, and the same on every database.
    retention_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(36_500)]
    )
    source = models.CharField(max_length=500, blank=True, help_text="Where the data comes from.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["namespace", "name"]
        constraints = [
            models.UniqueConstraint(fields=["namespace", "name"], name="dataset_unique_name"),
            models.CheckConstraint(
                condition=models.Q(contains_personal_data=False) | ~models.Q(legal_basis=""),
                name="dataset_personal_data_needs_legal_basis",
                violation_error_message="A dataset with personal data needs a legal basis.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


class DatasetLineage(models.Model):
    """``target`` was derived from ``source`` by a job (OpenLineage's job namespace and name).
    The graph is kept acyclic by the service that records edges."""

    source = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="downstream_edges")
    target = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="upstream_edges")
    job_namespace = models.CharField(max_length=300, blank=True)
    job_name = models.CharField(max_length=500, blank=True)
    run_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "dataset lineage"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "job_namespace", "job_name"],
                name="datasetlineage_unique_edge",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="datasetlineage_no_self_loop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


class ModelVersionDataset(models.Model):
    """A dataset a model version was trained, validated, evaluated or fine-tuned on."""

    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="dataset_links"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="version_links")
    role = models.CharField(max_length=20, choices=DatasetRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "dataset_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "dataset", "role"], name="modelversiondataset_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_version_id} ← {self.dataset_id} ({self.role})"
