"""The API's JSON parser: JSON nested too deeply to decode is a 400, not a 500.

The body's size is not its concern: ``registry.api.bodylimit`` refused any body over
``STEWARD_MAX_BODY_BYTES`` before a view could read it."""

from __future__ import annotations

from rest_framework import exceptions, parsers, status


class PayloadTooLarge(exceptions.APIException):
    """413 for a body that grows past the limit once decoded (a gzip-compressed one)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "payload_too_large"


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            # json raises this, not ValueError, for arrays or objects nested thousands deep.
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc
