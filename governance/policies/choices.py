"""The functions that review and sign: legal, security, privacy, finance, compliance."""

from django.db import models


class ReviewFunction(models.TextChoices):
    """The functions that sign off deployments and review systems. Each is also a role group
    (``registry.core.roles.Role``) of the same name: a reviewer signs for the functions they
    belong to."""

    LEGAL = "legal", "Legal"
    SECURITY = "security", "Security"
    PRIVACY = "privacy", "Privacy"
    FINANCE = "finance", "Finance"
    COMPLIANCE = "compliance", "Compliance"
