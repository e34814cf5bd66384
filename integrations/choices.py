"""Choices of the integrations app."""

from django.db import models


class MlflowStage(models.TextChoices):
    """MLflow's model version stages, spelled as MLflow spells them."""

    NONE = "None", "None"
    STAGING = "Staging", "Staging"
    PRODUCTION = "Production", "Production"
    ARCHIVED = "Archived", "Archived"
