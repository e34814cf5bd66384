"""A JSON parser that refuses oversized bodies before reading them whole, and answers 400 (not
500) to JSON nested too deeply to decode."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "payload_too_large"


def read_limited(stream: Any, declared_length: str | None) -> bytes | None:
    """A request body of at most ``STEWARD_MAX_BODY_BYTES``, or None when it is larger: refused
    on its declared length before anything is read, or after reading one byte past the limit
    (a chunked body declares none)."""
    limit = settings.STEWARD_MAX_BODY_BYTES
    if declared_length and declared_length.isdigit() and int(declared_length) > limit:
        return None
    body = stream.read(limit + 1) if stream is not None else b""
    return None if len(body) > limit else body


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        body = read_limited(stream, declared)
        if body is None:
            raise PayloadTooLarge(f"Request body over {settings.STEWARD_MAX_BODY_BYTES} bytes.")
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as exc:
            # json raises this, not ValueError, for arrays or objects nested thousands deep.
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc
