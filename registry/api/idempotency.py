"""``Idempotency-Key`` for POSTs that create things (versions, approvals, deployments …).

A retry with the same key and the same request replays the first response (with
``Idempotent-Replayed: true``); the same key with a different request is refused with 422. Only
successful responses are kept: a failed POST leaves nothing, so its retry runs afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from registry.api.models import IdempotencyKey

HEADER = "Idempotency-Key"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with a different request."


def _encode(value: object) -> str:
    """A value JSON cannot encode: an uploaded file is its name, size and, when the upload
    handler hashed it as it arrived (evidence), its SHA-256 — so a retry must send the same
    content, not only the same name."""
    if isinstance(value, UploadedFile):
        return f"{value.name}:{value.size}:{getattr(value, 'sha256', None) or ''}"
    return str(value)


def _digest(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=_encode)
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _replay(record: IdempotencyKey, digest: str, request: Request) -> Response:
    if record.request_digest != digest or record.path != request.path:
        raise IdempotencyKeyReused({HEADER: IdempotencyKeyReused.default_detail})
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def run_idempotent(request: Request, create: Callable[[], Response]) -> Response:
    """Run ``create`` once per (user, Idempotency-Key); without the header, just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return create()
    if not key or len(key) > 255 or not key.isprintable():
        raise exceptions.ValidationError({HEADER: ["Use 1 to 255 printable characters."]})
    digest = _digest(request)
    existing = IdempotencyKey.objects.filter(user=request.user, key=key).first()
    if existing is not None:
        return _replay(existing, digest, request)
    try:
        with transaction.atomic():
            response = create()
            if status.is_success(response.status_code):
                IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    request_digest=digest,
                    response_status=response.status_code,
                    response_body=response.data,
                )
            return response
    except Exception:
        # Everything this attempt did was rolled back. If a concurrent request with the same key
        # committed meanwhile, this attempt failed because of it — on the key's unique index, or
        # on the duplicate check of the object it also created. Replay the winner's response.
        winner = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if winner is None:
            raise
        return _replay(winner, digest, request)
