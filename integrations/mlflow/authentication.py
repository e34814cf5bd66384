"""HTTP Basic authentication with a Steward API token as the password.

MLflow's client sends ``MLFLOW_TRACKING_USERNAME`` and ``MLFLOW_TRACKING_PASSWORD`` as Basic
auth. Steward accepts a token secret there (never an account password: pipelines hold tokens,
which expire and can be revoked), and the username must be the token owner's, so a leaked
secret used under another name is refused too. ``MLFLOW_TRACKING_TOKEN`` (Bearer) is handled by
the registry's ``APITokenAuthentication``.
"""

from __future__ import annotations

import base64
import binascii

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from registry.audit import set_token_prefix
from registry.services import token_authenticate


class BasicTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Basic base64(<username>:<token secret>)``."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"basic":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid basic header: expected one credential.")
        try:
            decoded = base64.b64decode(header[1], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise exceptions.AuthenticationFailed("Invalid basic header: not base64.") from exc
        username, sep, secret = decoded.partition(":")
        if not sep:
            raise exceptions.AuthenticationFailed("Invalid basic header: expected user:token.")
        token = token_authenticate(secret)
        if token is None or token.user.get_username() != username:
            raise exceptions.AuthenticationFailed(
                "Invalid username or token: the password must be a valid Steward API token of "
                "that user."
            )
        set_token_prefix(token.prefix)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Basic realm="steward"'


class BasicTokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.mlflow.authentication.BasicTokenAuthentication"
    name = "basicTokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Username and a Steward API token as the password (MLflow clients).",
        }
