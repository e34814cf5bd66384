"""Enumerations of notifications: their kind, level on the ladder, channel and delivery."""

from django.db import models


class NotificationKind(models.TextChoices):
    """What a reminder chases."""

    REVIEW = "review", "Risk review"
    SIGNOFF = "signoff", "Deployment sign-off"
    INCIDENT_REPORT = "incident_report", "Serious-incident report"


class NotificationLevel(models.TextChoices):
    """The rung of the chasing ladder: the person who owes the work, then the lead of the
    function's team, then the system's accountable executive."""

    REMINDER = "reminder", "Reminder"
    TEAM_LEAD = "team_lead", "Escalation to the team lead"
    EXECUTIVE = "executive", "Escalation to the accountable executive"


LEVEL_ORDER = {level: rank for rank, level in enumerate(NotificationLevel.values)}


class NotificationChannel(models.TextChoices):
    EMAIL = "email", "Email"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
