"""Token authentication: ``Authorization: Token <secret>`` (and ``Bearer <secret>``, which the
MLflow client sends). Tokens are looked up by the SHA-256 digest of the secret."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from registry.audit.services import set_token_prefix
from registry.people.services import token_authenticate


class APITokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid token header: expected 'Token <secret>'."
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token header.") from exc
        token = token_authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        set_token_prefix(token.prefix)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'


class APITokenScheme(OpenApiAuthenticationExtension):
    target_class = "registry.people.api.authentication.APITokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <secret>`; create one with `POST /api/v1/auth/tokens/`.",
        }
