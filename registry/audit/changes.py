"""What a change changed, for the record: the fields set on a row with their old and new values,
and the initial values of a new row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from registry.audit.services import diff, snapshot


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
