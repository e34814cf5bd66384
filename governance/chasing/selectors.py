"""Read queries of notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from governance.chasing.models import Notification


def notification_list() -> QuerySet[Notification]:
    return Notification.objects.select_related("recipient", "system")
