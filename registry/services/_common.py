"""Helpers shared by the registry's services."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from ..audit import diff, snapshot
from ..exceptions import PreconditionFailedError


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


def apply_changes(
    obj: models.Model, data: Mapping[str, Any], allowed: Iterable[str]
) -> dict[str, list[Any]]:
    """Set the allowed fields from ``data`` on ``obj`` and return ``{field: [old, new]}`` for those
    that really changed. Unknown keys are a programming error, not user input."""
    allowed = tuple(allowed)
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"Fields not updatable here: {sorted(unknown)}")
    before = snapshot(obj, data.keys())
    for name, value in data.items():
        setattr(obj, name, value)
    return diff(before, snapshot(obj, data.keys()))


def creation_changes(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The initial values of a new object, for its ``created`` audit event."""
    return snapshot(obj, fields)
