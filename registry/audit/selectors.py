"""Read queries over the audit ledger, shared by the API, the web UI and exports."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import models
from django.db.models import QuerySet

from registry.audit.models import PAYLOAD_FIELDS, AuditEvent
from registry.audit.services import object_type_of

# What an export row holds, in order: every column, so an export can be verified offline.
# The actor by username (the id alone says nothing outside this database), then the chain.
EXPORT_FIELDS = (
    *("actor__username" if name == "actor_id" else name for name in PAYLOAD_FIELDS),
    "hash",
    "canonical",
)


def export_columns() -> list[str]:
    """The column names of an export, in order (``actor`` is the username)."""
    return ["actor" if f == "actor__username" else f for f in EXPORT_FIELDS]


def audit_event_list() -> QuerySet[AuditEvent]:
    """Every event, newest first, with the acting user joined (one query per page)."""
    return AuditEvent.objects.select_related("actor").order_by("-sequence")


def audit_history(obj: models.Model) -> QuerySet[AuditEvent]:
    """The events recorded about one object, newest first (uses the object index)."""
    return audit_event_list().filter(object_type=object_type_of(obj), object_id=str(obj.pk))


def audit_export_rows(events: QuerySet[AuditEvent], chunk_size: int = 2000) -> Iterator[dict]:
    """The rows of ``events`` as plain dicts (``actor`` is the username), streamed from the
    database in chunks: an export of the whole ledger never sits in memory."""
    names = export_columns()
    for values in events.values_list(*EXPORT_FIELDS).iterator(chunk_size=chunk_size):
        row: dict[str, Any] = dict(zip(names, values, strict=True))
        yield row


def audit_rows_in_order(
    events: QuerySet[AuditEvent],
    fields: Sequence[str],
    *,
    start: int,
    end: int,
    chunk_size: int = 5000,
) -> Iterator[tuple]:
    """``fields`` (the first must be ``sequence``) of the ``events`` with ``start <= sequence
    <= end``, in sequence order, by keyset pagination: each chunk is one short query, so memory
    stays flat however many there are and no cursor is held open between chunks."""
    if not fields or fields[0] != "sequence":
        raise ValueError("The first field must be 'sequence'.")
    lower = start
    while lower <= end:
        rows = list(
            events.filter(sequence__gte=lower, sequence__lte=end)
            .order_by("sequence")
            .values_list(*fields)[:chunk_size]
        )
        yield from rows
        if len(rows) < chunk_size:
            return
        lower = rows[-1][0] + 1
