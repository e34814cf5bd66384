"""One error shape everywhere (drf-standardized-errors):

    {"type": "validation_error", "errors": [{"code": "...", "detail": "...", "attr": "field"}]}

This handler also maps the domain's own errors: Django ``ValidationError`` from ``full_clean()``
→ 400 naming each field, ``PermissionDenied`` → 403 keeping its message, ``ConflictError`` → 409,
``PreconditionFailedError`` → 412, ``PayloadTooLargeError`` → 413, and a unique-constraint race
(``IntegrityError``) → 409.

Every uniqueness conflict is a 409 ``client_error`` with the code ``unique`` naming the field,
whichever layer found it: the service (``ConflictError``), the serializer's or ``full_clean``'s
unique validators (a validation error whose every error is ``unique``), or the database (a lost
race). A request with other errors besides is a 400 listing them all.
"""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from django.views.defaults import permission_denied as django_permission_denied
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status

from registry.api.parsers import PayloadTooLarge
from registry.core.exceptions import (
    ConflictError,
    PayloadTooLargeError,
    PreconditionFailedError,
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the object."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it; fetch it again."
    default_code = "precondition_failed"


def _field_errors(exc: DjangoValidationError) -> dict | list:
    if hasattr(exc, "error_dict"):
        out = {}
        for field, errors in exc.error_dict.items():
            key = "non_field_errors" if field == NON_FIELD_ERRORS else field
            out[key] = [
                exceptions.ErrorDetail(" ".join(e.messages), code=e.code or "invalid")
                for e in errors
            ]
        return out
    return [exceptions.ErrorDetail(m, code="invalid") for m in exc.messages]


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")


def _constraint_field(exc: IntegrityError) -> str | None:
    """The field a violated unique constraint is about (its last column), on either database."""
    sqlite = _SQLITE_UNIQUE.search(str(exc))
    if sqlite:
        return sqlite.group(1).split(", ")[-1].split(".")[-1]
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if not name:
        return None
    for model in apps.get_models():
        for constraint in getattr(model._meta, "constraints", []):
            if constraint.name == name and getattr(constraint, "fields", None):
                return constraint.fields[-1]
        table = model._meta.db_table
        if name.startswith(table + "_") and name.endswith("_key"):
            column = name[len(table) + 1 : -len("_key")]
            for field in model._meta.concrete_fields:
                if field.column == column:
                    return field.name
    return None


_UNIQUE_CODES = frozenset({"unique", "unique_together"})


def _codes(codes: Any) -> list[str]:
    if isinstance(codes, dict):
        return [c for value in codes.values() for c in _codes(value)]
    if isinstance(codes, (list, tuple)):
        return [c for value in codes for c in _codes(value)]
    return [codes]


def _only_unique(exc: exceptions.ValidationError) -> bool:
    codes = _codes(exc.get_codes())
    return bool(codes) and all(code in _UNIQUE_CODES for code in codes)


def _as_unique(detail: Any) -> Any:
    """``detail`` with every message's code ``unique`` (Django says ``unique_together`` for a
    constraint over several fields)."""
    if isinstance(detail, dict):
        return {key: _as_unique(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_as_unique(value) for value in detail]
    return exceptions.ErrorDetail(str(detail), code="unique")


class StewardExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        exc = self._convert(exc)
        if isinstance(exc, exceptions.ValidationError) and _only_unique(exc):
            return Conflict(detail=_as_unique(exc.detail), code="unique")
        return exc

    def _convert(self, exc: Exception) -> Exception:
        if isinstance(exc, Http404):
            return exceptions.NotFound()
        if isinstance(exc, PermissionDenied):
            detail = exc.args[0] if exc.args else None
            return exceptions.PermissionDenied(detail=detail)
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(detail=_field_errors(exc))
        if isinstance(exc, ConflictError):
            detail = {exc.field: [exc.message]} if exc.field else exc.message
            return Conflict(detail=detail, code=exc.code)
        if isinstance(exc, PreconditionFailedError):
            return PreconditionFailed(detail=exc.message)
        if isinstance(exc, PayloadTooLargeError):
            return PayloadTooLarge(detail={exc.field: [exc.message]} if exc.field else exc.message)
        if isinstance(exc, IntegrityError):
            # Validation runs before every write; reaching here means a concurrent writer won a
            # race on a unique constraint. The transaction was rolled back whole.
            message = "A concurrent change conflicts with this one; retry."
            field = _constraint_field(exc)
            return Conflict(detail={field: [message]} if field else message, code="unique")
        return exc


def exception_handler(exc, context):
    return StewardExceptionHandler(exc, context).run()


def error_response(status: int, code: str, detail: str, attr: str | None = None) -> JsonResponse:
    """The standard error body for an answer given outside a REST framework view (the 404 and
    403 handlers, the body-size refusal)."""
    error = {"code": code, "detail": detail, "attr": attr}
    return JsonResponse({"type": "client_error", "errors": [error]}, status=status)


def not_found(request, exception=None):
    """``handler404``: a path under /api/ that no route matches gets the standard JSON error
    (an API client cannot parse the HTML page); everything else gets Django's page."""
    if request.path.startswith("/api/"):
        return error_response(404, "not_found", "Not found.")
    return page_not_found(request, exception)


def permission_denied(request, exception=None):
    """``handler403``: JSON under /api/ (DRF views answer their own 403s; this covers the rest),
    the readable page (templates/403.html, which shows the reason) everywhere else."""
    if request.path.startswith("/api/"):
        detail = str(exception.args[0]) if exception and exception.args else "Forbidden."
        return error_response(403, "permission_denied", detail)
    return django_permission_denied(request, exception)
