"""Request bodies over ``STEWARD_MAX_BODY_BYTES`` are refused with 413 in one place, before
anything reads them, whatever the endpoint (REST, MLflow, OpenLineage, the sign-in form) and
whatever the server.

Two pieces, at the two depths where a body's length can be known:

* ``ChunkedBodyLength`` wraps the WSGI application (config/wsgi.py). A chunked body arrives
  without ``Content-Length``, and Django's WSGI request reads nothing of a body whose length it
  is not told. Where the server says its input ends with the body (``wsgi.input_terminated``:
  granian, gunicorn), this reads at most the limit plus one byte and declares what it read as
  the length: a body within the limit is then read as any other, and a longer one declares a
  length over the limit (the rest is never read).
* ``BodyLimitMiddleware`` refuses a declared length over the limit with 413 before the view, or
  the CSRF check of a form, reads a byte; and a chunked body that nothing could measure (Django's
  development server does not decode chunked bodies, so the body would silently read as empty)
  with 411 Length Required.

Django's own limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``) is off in settings: it raised
``RequestDataTooBig`` before Steward's check ran, which the REST framework answered with a 500.

The refusal is the standard error body (``registry.api.errors``). A view class that speaks
another protocol answers it in that protocol's shape with a static
``answer_refusal(*, status, message)`` (MLflow's endpoints do). A view that takes larger
bodies (evidence uploads) says how large with a ``body_limit(meta)`` attribute, asked with the
request's ``META`` (the WSGI environ); a chunked body is read up to the limit of the view its
path resolves to, spooled to disk past ``STEWARD_MAX_BODY_BYTES`` so that memory stays flat.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from registry.api.errors import error_response

_READ_BLOCK = 64 * 1024


def _spool_at_most(stream: Any, size: int) -> tuple[Any, int]:
    """Copy at most ``size`` bytes of ``stream`` to a file that stays in memory up to
    ``STEWARD_MAX_BODY_BYTES`` and goes to disk beyond; the copy, rewound, and its length."""
    spool = tempfile.SpooledTemporaryFile(max_size=settings.STEWARD_MAX_BODY_BYTES)  # noqa: SIM115 (the request owns it)
    remaining = size
    while remaining > 0:
        part = stream.read(min(_READ_BLOCK, remaining))
        if not part:
            break
        spool.write(part)
        remaining -= len(part)
    length = spool.tell()
    spool.seek(0)
    return spool, length


def _unmeasured(environ: dict[str, Any]) -> bool:
    """A body comes without a declared length: chunked (HTTP/1.1) or in frames (HTTP/2)."""
    if environ.get("CONTENT_LENGTH"):
        return False
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return chunked or environ.get("SERVER_PROTOCOL", "").startswith("HTTP/2")


def limit_of(view: Any, meta: dict[str, Any]) -> int:
    """The body limit of ``view`` (a view function or class) for a request with this META."""
    # Django's class-based views carry their class as ``view_class``, DRF's viewsets as ``cls``.
    view = getattr(view, "view_class", None) or getattr(view, "cls", None) or view
    body_limit = getattr(view, "body_limit", None)
    return body_limit(meta) if body_limit else settings.STEWARD_MAX_BODY_BYTES


def _limit_for_path(environ: dict[str, Any]) -> int:
    try:
        match = resolve(environ.get("PATH_INFO") or "/")
    except Resolver404:
        return settings.STEWARD_MAX_BODY_BYTES
    return limit_of(match.func, environ)


class ChunkedBodyLength:
    """WSGI middleware: a body without ``Content-Length`` is read (at most the limit plus one
    byte) and given the length of what was read, where the server allows reading to its end."""

    def __init__(self, application: Callable[..., Iterable[bytes]]):
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("wsgi.input_terminated") and _unmeasured(environ):
            body, length = _spool_at_most(environ["wsgi.input"], _limit_for_path(environ) + 1)
            environ["wsgi.input"] = body
            environ["CONTENT_LENGTH"] = str(length)
        return self.application(environ, start_response)


def refusal(meta: dict[str, Any], limit: int | None = None) -> tuple[int, str, str] | None:
    """``(status, code, message)`` when the request's body may not be read, else None.
    ``limit`` defaults to ``STEWARD_MAX_BODY_BYTES``."""
    limit = settings.STEWARD_MAX_BODY_BYTES if limit is None else limit
    declared = meta.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        return 413, "payload_too_large", f"Request body over {limit} bytes."
    if not declared and "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower():
        return (
            411,
            "length_required",
            "This server cannot read a chunked request body; send Content-Length.",
        )
    return None


class BodyLimitMiddleware:
    """Refuses a body over ``STEWARD_MAX_BODY_BYTES`` (413), or one of unknown length (411),
    before the view runs. Sits before ``CsrfViewMiddleware``, whose check reads a form's body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args, view_kwargs):
        refused = refusal(request.META, limit_of(view_func, request.META))
        if refused is None:
            return None
        status, code, message = refused
        view = getattr(view_func, "view_class", view_func)
        answer = getattr(view, "answer_refusal", None)
        if answer is not None:
            return answer(status=status, message=message)
        return error_response(status, code, message)
