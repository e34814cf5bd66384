"""Logging for operators (settings.LOGGING): one line per refused request, a traceback only for a
server error, and on every line the id of the request (or task run, or command) it belongs to —
the id its audit events carry and its response's ``X-Request-ID``. ``LOG_FORMAT=json`` writes one
JSON object a line (python-json-logger) with the same fields.

Loaded by the logging configuration before the apps: nothing here may import a model."""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from registry.audit.context import current_context

requests_log = logging.getLogger("steward.request")


class RequestLogFilter(logging.Filter):
    """On the console handler, for every record:

    * gives it ``request_id`` (``-`` outside any request, task or command);
    * drops the development server's own line for a refused request (``steward.request`` wrote
      one already), keeping its line for every other request;
    * strips the traceback from a refusal: Django attaches one to a 403 raised as
      ``PermissionDenied`` and to a suspicious request (a 400), neither of which is an error of
      the server."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_context().request_id or "-"
        status = getattr(record, "status_code", None)
        if record.name == "django.server" and isinstance(status, int) and status >= 400:
            return False
        refusal = record.name.startswith("django.security") or (
            isinstance(status, int) and status < 500
        )
        if refusal and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True


class JSONFormatter(JsonFormatter):
    """One JSON object a line: time, level, logger, message, request id, and what the record was
    given as ``extra`` (a refusal's status, method, path and user), without the request object
    Django attaches."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level"})
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data.pop("request", None)
        log_data.pop("server_time", None)


def _username(request: Any) -> str:
    user = getattr(request, "user", None)
    try:
        if user is not None and user.is_authenticated:
            return user.get_username()
    except Exception:  # the session could not be read (the database is down): say so, go on
        return "?"
    return "anonymous"


def log_refusal(request: Any, response: Any, request_id: str) -> None:
    """One line for a request refused with a 4xx: status, method, path, who, and the request id.
    (A 5xx is logged by Django, with its traceback.)"""
    status = response.status_code
    if not 400 <= status < 500:
        return
    user = _username(request)
    requests_log.warning(
        "%s %s %s user=%s",
        status,
        request.method,
        request.path,
        user,
        extra={
            "status": status,
            "method": request.method,
            "path": request.path,
            "user": user,
            "request_id": request_id,
        },
    )
