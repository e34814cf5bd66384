"""Who is acting and through what channel: the context every audit event, and every log line,
of one request, task run or command carries. No models here, so that logging can read it before
the apps are loaded."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from registry.audit.choices import AuditSource


@dataclass(frozen=True)
class AuditContext:
    """Where a change came from: the channel, and what ties one action's events together."""

    source: str = AuditSource.COMMAND
    request_id: str = ""
    ip_address: str | None = None
    user_agent: str = ""
    token_prefix: str = ""


_context: contextvars.ContextVar[AuditContext] = contextvars.ContextVar(
    "steward_audit_context",
    default=AuditContext(),  # noqa: B039 (frozen dataclass)
)


def current_context() -> AuditContext:
    return _context.get()


@contextmanager
def audit_context(**fields: Any) -> Iterator[AuditContext]:
    """Run a block with the given context fields (``source``, ``request_id``…) replaced.
    Without a request id a fresh one is made, so each task run or command is one traceable unit."""
    ctx = replace(_context.get(), **fields)
    if not ctx.request_id:
        ctx = replace(ctx, request_id=uuid.uuid4().hex)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def set_token_prefix(prefix: str) -> None:
    """Called by token authentication, which runs after the middleware built the context."""
    _context.set(replace(_context.get(), token_prefix=prefix))
