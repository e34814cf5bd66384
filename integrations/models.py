"""What MLflow's vocabulary has and Steward's registry does not: tags, aliases, stages and a
version's description; and which system is a team's intake system.

Each row hangs off a registry record (a model or a version). Those records are never deleted
(they are PROTECTed), so cascading here only ever follows a deletion the registry allowed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from integrations.choices import MlflowStage


class RegisteredModelTag(models.Model):
    """An MLflow tag on a registered model (a Steward ``AIModel``)."""

    model = models.ForeignKey(
        "registry.AIModel", on_delete=models.CASCADE, related_name="mlflow_tags"
    )
    key = models.CharField(max_length=250)
    value = models.TextField(blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["model", "key"], name="registeredmodeltag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ModelVersionTag(models.Model):
    """An MLflow tag on a model version."""

    version = models.ForeignKey(
        "registry.ModelVersion", on_delete=models.CASCADE, related_name="mlflow_tags"
    )
    key = models.CharField(max_length=250)
    value = models.TextField(blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="modelversiontag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ModelAlias(models.Model):
    """An MLflow alias (``champion``, ``production``…): a name on a registered model pointing at
    one of its versions. Production aliases are only set through the deployment gate."""

    model = models.ForeignKey(
        "registry.AIModel", on_delete=models.CASCADE, related_name="mlflow_aliases"
    )
    alias = models.CharField(max_length=255)
    version = models.ForeignKey(
        "registry.ModelVersion", on_delete=models.CASCADE, related_name="mlflow_aliases"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["alias"]
        constraints = [
            models.UniqueConstraint(fields=["model", "alias"], name="modelalias_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.version_id}"


class MlflowVersionInfo(models.Model):
    """MLflow's fields of a version that Steward's ``ModelVersion`` has no column for: its
    description, run link and (deprecated in MLflow, still used) stage. Absent means the
    defaults: no description, no link, stage ``None``."""

    version = models.OneToOneField(
        "registry.ModelVersion",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="mlflow_info",
    )
    description = models.TextField(blank=True)
    run_link = models.CharField(max_length=1000, blank=True)
    stage = models.CharField(
        max_length=20, choices=MlflowStage.choices, default=MlflowStage.NONE, db_index=True
    )

    class Meta:
        verbose_name = "MLflow version info"
        verbose_name_plural = "MLflow version info"

    def __str__(self) -> str:
        return f"{self.version_id}: {self.stage}"


class IntakeSystem(models.Model):
    """A team's intake system: where models registered from MLflow without a
    ``steward.system`` tag land until someone classifies them (moves them to the right system,
    or classifies this one). Its existence is the "needs classification" flag."""

    team = models.OneToOneField(
        "registry.Team", on_delete=models.PROTECT, related_name="intake_system"
    )
    system = models.OneToOneField(
        "registry.AISystem", on_delete=models.PROTECT, related_name="intake_of"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["team_id"]

    def __str__(self) -> str:
        return f"intake of {self.team_id}: {self.system_id}"
