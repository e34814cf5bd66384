"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("steward")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks live in the capability packages that own them, not in one tasks module per app.
app.autodiscover_tasks(["registry.audit", "governance.chasing", "governance.documents"])
