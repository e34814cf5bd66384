"""The function a team serves in the organisation."""

from django.db import models


class TeamFunction(models.TextChoices):
    ENGINEERING = "engineering", "Engineering"
    DATA = "data", "Data"
    PRODUCT = "product", "Product"
    LEGAL = "legal", "Legal"
    SECURITY = "security", "Security"
    FINANCE = "finance", "Finance"
    PRIVACY = "privacy", "Privacy"
    COMPLIANCE = "compliance", "Compliance"
    EXECUTIVE = "executive", "Executive"
