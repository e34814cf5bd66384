"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("steward")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks live in the capability packages that own them, not in one tasks module per app.
app.autodiscover_tasks(["registry.audit", "governance.chasing", "governance.documents"])


@signals.setup_logging.connect
def _log_as_django_does(**kwargs):
    """Worker and beat log through settings.LOGGING (text or JSON, the request or task id on
    every line), not in Celery's own format. Their ``--loglevel`` gives way to ``LOG_LEVEL``."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
