"""Per-request audit context.

A request id (from ``X-Request-ID`` or new) is returned on the response; it, the channel, the
client IP and the user agent go into every audit event the request records, and the id into
every log line it writes. A refused request (4xx) gets one log line (``registry.audit.logs``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from registry.audit.choices import AuditSource
from registry.audit.logs import log_refusal
from registry.audit.services import audit_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _source_for(path: str) -> str:
    if path.startswith("/api/") or path.startswith("/ajax-api/"):
        return AuditSource.API
    if path.startswith("/admin/"):
        return AuditSource.ADMIN
    return AuditSource.UI


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-ID", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        request.request_id = request_id
        # REMOTE_ADDR is the peer; behind a proxy, configure the proxy to set it (we do not
        # trust X-Forwarded-For from clients).
        with audit_context(
            source=_source_for(request.path),
            request_id=request_id,
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.headers.get("User-Agent", "")[:300],
            token_prefix="",
        ):
            response = self.get_response(request)
            log_refusal(request, response, request_id)
        response["X-Request-ID"] = request_id
        return response
