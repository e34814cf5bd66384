"""Idempotency keys: a pipeline that retries a POST gets the first response, not a duplicate."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyKey(models.Model):
    """The first successful response to a POST made with an ``Idempotency-Key`` header.

    Written in the same transaction as the object the POST created, so either both exist or
    neither does; the unique (user, key) makes a concurrent duplicate wait and then replay."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"
