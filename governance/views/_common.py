"""Helpers the governance views share."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


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
