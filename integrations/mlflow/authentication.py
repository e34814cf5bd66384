"""Who is calling the MLflow API: a Steward API token, sent the ways MLflow's client sends one,
or the signed-in browser session.

* ``Authorization: Bearer <token>`` (``MLFLOW_TRACKING_TOKEN``; ``Token <token>`` as on the rest
  of the API);
* ``Authorization: Basic base64(<username>:<token>)`` (``MLFLOW_TRACKING_USERNAME`` and
  ``MLFLOW_TRACKING_PASSWORD``). The password must be a token (never an account password:
  pipelines hold tokens, which expire and can be revoked), and the username its owner's, so a
  leaked secret used under another name is refused too;
* without an Authorization header, the session of a signed-in user, with Django's CSRF check on
  every request that can change something (as REST framework's session authentication does).

Tokens are checked by ``registry.people.services.token_authenticate``, as on the rest of the API.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware

from integrations.mlflow.errors import MlflowError
from registry.audit.services import set_token_prefix
from registry.people.services import token_authenticate

WWW_AUTHENTICATE = 'Bearer realm="steward", Basic realm="steward"'
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def unauthenticated(message: str) -> MlflowError:
    return MlflowError("UNAUTHENTICATED", message)


def authenticate(request: HttpRequest) -> Any:
    """The user making the request; raises ``UNAUTHENTICATED`` (or ``PERMISSION_DENIED`` for a
    session request that fails the CSRF check)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, credentials = header.strip().partition(" ")
        scheme, credentials = scheme.lower(), credentials.strip()
        if scheme in ("bearer", "token"):
            return _token_user(credentials)
        if scheme == "basic":
            return _basic_user(credentials)
    user = request.user  # Django's session, from AuthenticationMiddleware
    if not user.is_authenticated:
        raise unauthenticated("Authentication credentials were not provided.")
    if request.method not in SAFE_METHODS:
        _check_csrf(request)
    return user


def _token_user(secret: str) -> Any:
    if not secret or " " in secret:
        raise unauthenticated("Invalid token header: expected 'Bearer <token>'.")
    token = token_authenticate(secret)
    if token is None:
        raise unauthenticated("Invalid, expired or revoked token.")
    set_token_prefix(token.prefix)
    return token.user


def _basic_user(credentials: str) -> Any:
    if not credentials or " " in credentials:
        raise unauthenticated("Invalid basic header: expected one credential.")
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise unauthenticated("Invalid basic header: not base64.") from exc
    username, sep, secret = decoded.partition(":")
    if not sep:
        raise unauthenticated("Invalid basic header: expected user:token.")
    token = token_authenticate(secret)
    if token is None or token.user.get_username() != username:
        raise unauthenticated(
            "Invalid username or token: the password must be a valid Steward API token of "
            "that user."
        )
    set_token_prefix(token.prefix)
    return token.user


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> str:  # type: ignore[override]
        return reason


def _check_csrf(request: HttpRequest) -> None:
    # The views are exempt from the CSRF middleware, which would refuse token clients (they
    # send no cookie); a request authenticated by its session cookie is checked here instead.
    check = _CsrfCheck(lambda _request: None)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise MlflowError("PERMISSION_DENIED", f"CSRF Failed: {reason}")
