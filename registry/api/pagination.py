"""Paging of every list: ``page`` and ``page_size`` (or, for the audit ledger, ``cursor`` and
``page_size``) that are not what they take are a 400 naming the parameter and the accepted
values; so is any query parameter the list does not take (``registry.api.filters``)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

from registry.api.filters import refuse_unknown_parameters

# The most results one page holds, on every paginated list (the default page holds PAGE_SIZE).
MAX_PAGE_SIZE = 500

_WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")


def _page_size(request: Any, name: str, default: int) -> int:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError({name: [f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."]})
    return int(raw)


def _bounded(parameters: list[dict]) -> list[dict]:
    """The schema's paging parameters with the bounds the lists enforce."""
    for parameter in parameters:
        if parameter["name"] == "page_size":
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        elif parameter["name"] == "page":
            parameter["schema"] = {"type": "integer", "minimum": 1}
    return parameters


class StandardPagination(PageNumberPagination):
    """``count``, ``next``, ``previous``, ``results``; ``?page=`` a whole number from 1 (or
    ``last``; past the last page, 404), ``?page_size=`` from 1 to ``MAX_PAGE_SIZE``."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        paging = {self.page_query_param, self.page_size_query_param}
        refuse_unknown_parameters(request, queryset, view, paging)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        return _page_size(request, self.page_size_query_param, self.page_size)

    def get_schema_operation_parameters(self, view):
        return _bounded(super().get_schema_operation_parameters(view))

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param, "").strip()
        if not raw:
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1:
            raise ValidationError(
                {self.page_query_param: ["Must be a whole number from 1 (or last)."]}
            )
        if int(raw) > paginator.num_pages:  # the count the page needs anyway
            # Well formed but past the end: no such page, as DRF answers.
            raise NotFound(f"Page {raw} does not exist; the last is {paginator.num_pages}.")
        return int(raw)


class StrictCursorPagination(CursorPagination):
    """``next``, ``previous``, ``results`` — no ``count``, which would cost a scan of the whole
    table on every page. ``?cursor=`` is one that ``next`` or ``previous`` gave; ``?page_size=``
    from 1 to ``MAX_PAGE_SIZE``. Set ``ordering`` to a unique field that never changes."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        paging = {self.cursor_query_param, self.page_size_query_param}
        refuse_unknown_parameters(request, queryset, view, paging)
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        return _page_size(request, self.page_size_query_param, self.page_size)

    def get_schema_operation_parameters(self, view):
        return _bounded(super().get_schema_operation_parameters(view))

    def decode_cursor(self, request):
        refused = ValidationError(
            {self.cursor_query_param: ["Not a cursor of this list; follow next or previous."]}
        )
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:
            raise refused from exc
        if cursor is not None and cursor.position is not None:
            # The position is compared with the ordering field in the query: a crafted one
            # that is not of its type must not reach the database.
            field = self.model._meta.get_field(self.ordering[0].removeprefix("-"))
            try:
                field.to_python(cursor.position)
            except DjangoValidationError as exc:
                raise refused from exc
        return cursor
