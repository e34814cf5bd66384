"""Domain errors raised by services; the API maps each to one HTTP status (see api/errors.py)."""

from __future__ import annotations


class ConflictError(Exception):
    """The action conflicts with the object's current state (HTTP 409)."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "conflict"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class PreconditionFailedError(Exception):
    """The client's ``If-Match`` no longer matches the object (HTTP 412)."""

    def __init__(self, message: str = "The object changed since you read it; fetch it again."):
        super().__init__(message)
        self.message = message


class PayloadTooLargeError(Exception):
    """The body (an upload) is over the configured limit (HTTP 413); raised before it is
    stored."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
