"""Assertion helpers for tests: ``from tests.helpers import check, error_attrs``."""

from __future__ import annotations

import json
from typing import Any


def check(response, status: int) -> Any:
    """Assert a status code, printing the body when it is not the expected one; return the JSON."""
    body = getattr(response, "data", None)
    if body is None:
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            body = response.content[:2000]
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {json.dumps(body, default=str)[:2000]}"
    )
    return (
        response.json() if response.content and "json" in response.get("Content-Type", "") else body
    )


def error_attrs(response) -> set[str | None]:
    """The ``attr`` of every error in a standard error body."""
    return {e.get("attr") for e in response.json()["errors"]}
