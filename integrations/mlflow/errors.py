"""Errors in MLflow's shape, ``{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "…"}``, with
the HTTP status MLflow's own server gives each code (``mlflow.exceptions``'
``ERROR_CODE_TO_HTTP_STATUS``). MLflow clients read ``error_code``; other clients read the status.

Note MLflow answers ``RESOURCE_ALREADY_EXISTS`` with 400, not 409: we follow MLflow. Codes that
MLflow maps to 5xx (``INVALID_STATE``) are avoided for refusals, because MLflow's client retries
5xx responses for minutes: a state conflict is ``RESOURCE_CONFLICT`` (409) instead.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from governance.approvals.services import DeploymentRefused
from registry.core.exceptions import ConflictError, PreconditionFailedError

logger = logging.getLogger(__name__)

STATUS = {
    "INVALID_PARAMETER_VALUE": 400,
    "BAD_REQUEST": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "RESOURCE_CONFLICT": 409,
    "REQUEST_LIMIT_EXCEEDED": 429,
    "INTERNAL_ERROR": 500,
}


class MlflowError(Exception):
    """Raised by the MLflow views for an error that has an MLflow code of its own; ``status``
    overrides the code's usual HTTP status (405 for a method the endpoint does not take)."""

    def __init__(self, error_code: str, message: str, *, status: int | None = None):
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.status = status


def not_found(message: str) -> MlflowError:
    return MlflowError("RESOURCE_DOES_NOT_EXIST", message)


def invalid(message: str) -> MlflowError:
    return MlflowError("INVALID_PARAMETER_VALUE", message)


def error_body(error_code: str, message: str) -> dict[str, str]:
    return {"error_code": error_code, "message": message}


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    """MLflow's answers are JSON whatever the client accepts (its client sends ``*/*``)."""
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _flatten(detail: Any, prefix: str = "") -> list[str]:
    """Django error details as ``field: message`` strings."""
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
        return out
    if isinstance(detail, (list, tuple)):
        return [m for item in detail for m in _flatten(item, prefix)]
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def to_mlflow(exc: Exception) -> tuple[str, str] | None:
    """The MLflow code and message for an exception, or None if it is not one we expect."""
    if isinstance(exc, MlflowError):
        return exc.error_code, exc.message
    if isinstance(exc, DeploymentRefused):
        reasons = " ".join(exc.decision.reasons)
        env = exc.decision.environment
        return "PERMISSION_DENIED", f"Deployment to {env} refused by Steward's gate: {reasons}"
    if isinstance(exc, ConflictError):
        code = "RESOURCE_ALREADY_EXISTS" if exc.code == "unique" else "RESOURCE_CONFLICT"
        if exc.code == "cycle":
            code = "INVALID_PARAMETER_VALUE"
        return code, exc.message
    if isinstance(exc, PreconditionFailedError):
        return "RESOURCE_CONFLICT", exc.message
    if isinstance(exc, IntegrityError):
        return "RESOURCE_CONFLICT", "A concurrent change conflicts with this one; retry."
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return "RESOURCE_DOES_NOT_EXIST", str(exc) or "Not found."
    if isinstance(exc, PermissionDenied):
        messages = _flatten(exc.args[0]) if exc.args else []
        return "PERMISSION_DENIED", " ".join(messages) or "Permission denied."
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return "INVALID_PARAMETER_VALUE", "; ".join(_flatten(detail))
    return None


def error_response(exc: Exception, *, www_authenticate: str = "") -> HttpResponse:
    """Any error of an MLflow view in MLflow's shape, with the status MLflow gives its code;
    an unexpected one is logged and answered ``INTERNAL_ERROR``."""
    mapped = to_mlflow(exc)
    if mapped is None:
        logger.exception("Unexpected error in an MLflow endpoint", exc_info=exc)
        mapped = ("INTERNAL_ERROR", "Internal error; the server log has the details.")
    code, message = mapped
    status = exc.status if isinstance(exc, MlflowError) and exc.status else None
    status = status or STATUS.get(code, 400)
    response = json_response(error_body(code, message), status=status)
    if status == 401 and www_authenticate:
        response["WWW-Authenticate"] = www_authenticate
    return response


@csrf_exempt
def endpoint_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under the MLflow prefixes that Steward does not serve: MLflow's own answer."""
    return json_response(
        error_body("ENDPOINT_NOT_FOUND", f"No API endpoint {request.method} {request.path}."),
        status=404,
    )
