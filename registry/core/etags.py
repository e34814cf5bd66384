"""Strong ETags for governed rows and the ``If-Match`` check that refuses a stale write (412)."""

from __future__ import annotations

import hashlib

from django.db import models

from registry.core.exceptions import PreconditionFailedError


def etag_for(obj: models.Model) -> str:
    """A strong ETag that changes whenever the object is saved (``updated_at`` moves)."""
    raw = f"{obj._meta.label}:{obj.pk}:{obj.updated_at.isoformat()}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def check_if_match(obj: models.Model, if_match: str | None) -> None:
    """Raise 412 unless ``if_match`` (an ``If-Match`` header) names the object's current ETag.
    Call it on the locked row, so a concurrent writer cannot slip in between check and save."""
    if not if_match:
        return
    candidates = {tag.strip() for tag in if_match.split(",")}
    if "*" in candidates:
        return
    current = etag_for(obj)
    weak = {c[2:] if c.startswith("W/") else c for c in candidates}
    if current not in weak:
        raise PreconditionFailedError()
