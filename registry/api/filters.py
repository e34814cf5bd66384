"""Search and ordering that take only what a list declares, and the query parameters a list
takes: anything else is a 400 naming the parameter and what is accepted, never silently ignored.

A list's parameters are ``format``, its paging parameters (``registry.api.pagination``), the
filters of its filter set, ``search`` where it declares ``search_fields`` and ``ordering`` where
it declares ``ordering_fields``."""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings


def ordering_fields(view: Any) -> list[str]:
    """The fields a list may be ordered by: those it declares, and no others."""
    return [f if isinstance(f, str) else f[0] for f in getattr(view, "ordering_fields", None) or []]


def view_searches(view: Any) -> bool:
    return bool(getattr(view, "search_fields", None))


class SearchFilter(filters.SearchFilter):
    """DRF's search; the schema shows ``search`` only where the list declares what it searches."""

    def get_schema_operation_parameters(self, view):
        return super().get_schema_operation_parameters(view) if view_searches(view) else []


class OrderingFilter(filters.OrderingFilter):
    """``ordering``: a comma-separated list of the fields the list declares, each optionally
    prefixed with ``-`` for descending order. Any other value is a 400 naming the accepted ones;
    a list that declares none takes no ordering (DRF would offer every serializer field)."""

    def get_default_valid_fields(self, queryset, view, context=None):
        return []

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = ordering_fields(view)
        terms = [term for term in fields if term]
        wrong = [term for term in terms if term.removeprefix("-") not in valid]
        if wrong:
            accepted = (
                f"accepted: {', '.join(valid)}, each optionally prefixed with - (descending)"
                if valid
                else "this list takes no ordering"
            )
            raise ValidationError(
                {self.ordering_param: [f"Cannot order by {', '.join(wrong)}; {accepted}."]}
            )
        return terms

    def get_schema_operation_parameters(self, view):
        valid = ordering_fields(view)
        if not valid:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Comma-separated fields to order by; prefix - for descending.",
                "schema": {
                    "type": "array",
                    "items": {"type": "string", "enum": [v for f in valid for v in (f, "-" + f)]},
                },
                "style": "form",
                "explode": False,
            }
        ]


def accepted_parameters(request: Any, queryset: Any, view: Any) -> set[str]:
    """The query parameters ``view``'s filters take (its paging ones aside)."""
    names = {api_settings.URL_FORMAT_OVERRIDE}
    for backend_class in getattr(view, "filter_backends", None) or []:
        backend = backend_class()
        if isinstance(backend, DjangoFilterBackend):
            filterset = backend.get_filterset_class(view, queryset)
            names |= set(filterset.base_filters) if filterset else set()
        elif isinstance(backend, filters.SearchFilter) and view_searches(view):
            names.add(backend.search_param)
        elif isinstance(backend, filters.OrderingFilter) and ordering_fields(view):
            names.add(backend.ordering_param)
    return names


def refuse_unknown_parameters(request: Any, queryset: Any, view: Any, paging: set[str]) -> None:
    """A 400 naming every query parameter the list does not take, and those it does."""
    accepted = accepted_parameters(request, queryset, view) | paging
    unknown = sorted(set(request.query_params) - accepted)
    if unknown:
        message = f"Unknown parameter; this list takes {', '.join(sorted(accepted))}."
        raise ValidationError({name: [message] for name in unknown})
