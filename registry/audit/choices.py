"""Where a change came from: API, web UI, admin, Celery task or management command."""

from django.db import models


class AuditSource(models.TextChoices):
    API = "api", "API"
    UI = "ui", "Web UI"
    ADMIN = "admin", "Admin"
    TASK = "task", "Celery task"
    COMMAND = "command", "Management command"
