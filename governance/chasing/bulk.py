"""Inserting many rows at once, for the tasks that write many rows in one run.

A chase run can issue thousands of notifications. Building that many model instances and
compiling their INSERTs (``bulk_create``) cost several times the database's own work, and
SQLite's 999-parameter limit cuts a bulk insert into batches of about fifty rows. So rows go in
as plain dicts: on PostgreSQL as one JSON document per statement, unpacked by
``jsonb_to_recordset``; on SQLite with ``executemany``. Their audit events go through
``registry.audit.record_many``, which does the same for the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from django.db import connection, models

# Rows per insert statement (or ``executemany`` call): bounds the memory of its parameters.
ROWS_PER_STATEMENT = 10_000


def insert_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]], *, on_conflict: str = ""
) -> None:
    """Insert rows (dicts of attribute names to Python values; every concrete field but the
    primary key), in statements of up to ``ROWS_PER_STATEMENT`` rows. ``on_conflict`` names a
    unique column whose conflicts are skipped (``ON CONFLICT (…) DO NOTHING``).

    PostgreSQL gets the rows as one JSON document per statement (encoded by orjson), unpacked
    on the server by ``jsonb_to_recordset``: one parameter and one round trip for thousands of
    rows (Django's client-side parameter binding makes large arrays, and ``executemany``, slow
    there). SQLite
    gets one prepared ``INSERT`` run for every row (``executemany``), its fast path: there is
    no network to cross."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    postgres = connection.vendor == "postgresql"
    if postgres:
        record = ", ".join(f"{qn(f.column)} {f.db_type(connection)}" for f in fields)
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608 (the model's own names, quoted)
            f"FROM jsonb_to_recordset(%s::jsonb) AS r({record})"
        )
    else:
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    if on_conflict:
        sql += f" ON CONFLICT ({qn(model._meta.get_field(on_conflict).column)}) DO NOTHING"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            if postgres:
                document = orjson.dumps(
                    [{f.column: row[f.attname] for f in fields} for row in chunk],
                    default=_to_json,
                )
                cursor.execute(sql, [document.decode("utf-8")])
            else:
                prepare = _preparer(fields)
                cursor.executemany(sql, [[prep(row) for prep in prepare] for row in chunk])


def _to_json(value: Any) -> Any:
    """What orjson does not encode itself (it writes aware datetimes in ISO 8601 with their
    offset, which PostgreSQL reads): decimals and the like, as text."""
    return str(value)


def _preparer(fields: list[models.Field]) -> list:
    """One function per field that turns a row's value into SQLite's value. Datetimes, JSON and
    IP addresses need the backend's conversion; everything else goes in as it is. Many rows
    share a time (the run's "now"), so each distinct time is converted once."""
    converted: dict[Any, Any] = {}

    def plain(name: str):
        return lambda row: row[name]

    def datetime(field: models.Field):
        name = field.attname

        def prep(row: dict[str, Any]) -> Any:
            value = row[name]
            if value is None:
                return None
            if value not in converted:
                converted[value] = field.get_db_prep_save(value, connection)
            return converted[value]

        return prep

    def backend(field: models.Field):
        name = field.attname
        return lambda row: (
            None if row[name] is None else field.get_db_prep_save(row[name], connection)
        )

    out = []
    for field in fields:
        if isinstance(field, models.DateTimeField):
            out.append(datetime(field))
        elif isinstance(field, (models.JSONField, models.GenericIPAddressField)):
            out.append(backend(field))
        else:
            out.append(plain(field.attname))
    return out
