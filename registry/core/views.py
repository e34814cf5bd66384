"""Helpers every page view shares: htmx detection, pagination that keeps the filters, and the
sentence a refused action shows."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from registry.core.exceptions import ConflictError


def is_htmx(request: HttpRequest) -> bool:
    """Did htmx send this request (so a partial answers it)?"""
    return request.headers.get("HX-Request") == "true"


def paginate(request: HttpRequest, queryset, per_page: int = 25) -> Page:
    """The requested page of ``queryset`` (the last page when the number is past the end)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string without ``page``, for pagination links that keep the filters."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def error_message(exc: Exception) -> str:
    """The human sentence inside a PermissionDenied / ValidationError / ConflictError."""
    if isinstance(exc, ConflictError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    detail = exc.args[0] if exc.args else "You may not do this."
    if isinstance(detail, dict):
        return " ".join(str(v) for v in detail.values())
    return str(detail)
