"""Checks shared by the API test modules: "nothing was written", and query counts of list
endpoints that must not grow with rows or page size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models

from registry.audit.models import AuditEvent
from tests.helpers import check


@contextmanager
def nothing_written(*model_classes: type[models.Model]) -> Iterator[None]:
    """Assert that the block adds, removes no rows of the given models and no audit event."""
    before = {m: m.objects.count() for m in (*model_classes, AuditEvent)}
    yield
    after = {m: m.objects.count() for m in before}
    changed = {m.__name__: (before[m], after[m]) for m in before if before[m] != after[m]}
    assert not changed, f"rows changed (before, after): {changed}"


def list_query_counts(
    client, url: str, assert_max_queries, ceiling: int, page_sizes=(2, 25)
) -> tuple[list[int], int]:
    """GET ``url`` once per page size under a query ceiling; return the query counts measured
    and the number of rows the list reported."""
    counts, total = [], 0
    for size in page_sizes:
        sep = "&" if "?" in url else "?"
        with assert_max_queries(ceiling) as ctx:
            body = check(client.get(f"{url}{sep}page_size={size}"), 200)
        assert len(body["results"]) == min(size, body["count"])
        counts.append(len(ctx.captured_queries))
        total = body["count"]
    return counts, total


def assert_list_queries_flat(
    client, url: str, assert_max_queries, ceiling: int, add_rows, few: int = 3, many: int = 30
) -> None:
    """The list's query count is the same with ``few`` and ``many`` rows and at two page sizes.
    ``add_rows(n)`` creates n more rows of the listed resource."""
    add_rows(few)
    small, total = list_query_counts(client, url, assert_max_queries, ceiling)
    assert total >= few
    add_rows(many - few)
    large, total = list_query_counts(client, url, assert_max_queries, ceiling)
    assert total >= many
    counts = small + large
    assert len(set(counts)) == 1, f"query count grows: {few} rows {small}, {many} rows {large}"
