"""Reading the ledger fast, and comparing a row's columns with its canonical bytes.

``stream_rows`` streams events in sequence order with keyset pagination straight from a database
cursor (pipelined on PostgreSQL), as plain tuples of ``COLUMNS``; ``row_mismatch`` says which
column of a row differs from what its canonical JSON records, accepting only benign differences
of storage (JSON key order and whitespace in ``changes``, other spellings of the same instant or
IP address, a NULL actor after the user was deleted). ``verify`` walks the chain with them."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

import orjson
from django.db import connections

from registry.audit.models import PAYLOAD_FIELDS, AuditEvent

# The range of a bigint sequence column.
MIN_SEQUENCE, MAX_SEQUENCE = -(2**63), 2**63 - 1

# The columns read for each event, in this order: the ones compared as plain values first, so
# that a slice of the row compares with the canonical values in one go.
_COLUMNS = (
    "id",
    "sequence",
    "actor_name",
    "actor_token",
    "source",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "request_id",
    "user_agent",
    "prev_hash",
    "created_at",
    "actor_id",
    "ip_address",
    "changes",
    "hash",
    "canonical",
)
# The keys of an event's canonical JSON (``services.event_payload``).
PAYLOAD_KEYS = frozenset(PAYLOAD_FIELDS)
# Columns that must equal the canonical values exactly: row[1:12].
_PLAIN = _COLUMNS[1:12]
# Columns read in the canonical spelling, so that a row that is as it was written matches its
# canonical values in one tuple comparison: row[1:15]. The time, the actor and the address may
# also differ benignly (another spelling of the instant or the address; the actor's user was
# deleted); a row that differs in one tuple comparison gets the detailed check, ``row_mismatch``.
FAST_OF_PAYLOAD = itemgetter(*_COLUMNS[1:15])


# --- Reading the ledger -----------------------------------------------------------------------


def stream_rows(
    using: str, start: int, chunk_size: int, end: int = MAX_SEQUENCE
) -> Iterator[list[tuple]]:
    """Chunks of raw rows ordered by (sequence, id), ``start <= sequence <= end``, by keyset
    pagination: each chunk is one short query, so memory stays flat and no long-lived cursor
    holds the database. Rows with a duplicated sequence (possible only if someone dropped the
    unique constraint) are still returned, so the walk sees them."""
    connection = connections[using]
    qn = connection.ops.quote_name
    # Names are constants, quoted; values are parameters.
    # The time is read as text in the canonical spelling, "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC),
    # so no datetime is made only to be compared; on SQLite the canonical JSON is read as the
    # UTF-8 bytes that were hashed (no decoding and re-encoding).
    if connection.vendor == "sqlite":
        text = f"REPLACE(CAST({qn('created_at')} AS TEXT), ' ', 'T')"
        exprs = {
            # Django writes no fraction when it is zero; the canonical spelling always has one.
            # Another spelling (an offset) is left as it is, for the detailed check.
            "created_at": (
                f"CASE length({text}) WHEN 19 THEN {text} || '.000000Z' "
                f"WHEN 26 THEN {text} || 'Z' ELSE {text} END"
            ),
            "canonical": f"CAST({qn('canonical')} AS BLOB)",
        }
    elif connection.vendor == "postgresql":
        exprs = {
            "created_at": (
                f"to_char({qn('created_at')} AT TIME ZONE 'UTC', "
                '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\')'
            )
        }
    else:
        exprs = {}
    columns = ", ".join(exprs.get(c, qn(c)) for c in _COLUMNS)
    table, seq, pk = qn(AuditEvent._meta.db_table), qn("sequence"), qn("id")
    sql = (
        f"SELECT {columns} FROM {table} WHERE {seq} >= %s AND {seq} <= %s "  # noqa: S608
        f"ORDER BY {seq}, {pk} LIMIT %s"
    )
    fetch = _fetch_pipelined if _can_pipeline(connection) else _fetch_one_by_one
    last: tuple[int, int] | None = None
    for rows in fetch(connection, sql, start, end, chunk_size):
        more = len(rows) == chunk_size
        if last is not None and rows and rows[0][1] == last[0]:
            # The query starts at the last sequence seen: drop what was already returned.
            rows = [r for r in rows if (r[1], r[0]) > last]
        if not rows:
            return
        yield rows
        if not more:
            return
        last = (rows[-1][1], rows[-1][0])


def _fetch_one_by_one(
    connection: Any, sql: str, lower: int, upper: int, chunk_size: int
) -> Iterator[list]:
    """Raw chunks: each query starts at the last sequence of the chunk before."""
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [lower, upper, chunk_size])
            rows = cursor.fetchall()
        yield rows
        if len(rows) < chunk_size:
            return
        lower = rows[-1][1]


def _fetch_pipelined(
    connection: Any, sql: str, lower: int, upper: int, chunk_size: int
) -> Iterator[list]:
    """The same chunks, on PostgreSQL in pipeline mode: the query for the next chunk is sent
    before this one is handed over, so the server reads it while this one is checked (the
    walk then costs about the larger of the two, not their sum). Two chunks at most are in
    memory."""
    connection.ensure_connection()
    with (
        connection.cursor() as this,
        connection.cursor() as following,
        connection.connection.pipeline(),
    ):
        this.execute(sql, [lower, upper, chunk_size])
        while True:
            rows = this.fetchall()
            if len(rows) == chunk_size:
                following.execute(sql, [rows[-1][1], upper, chunk_size])
            yield rows
            if len(rows) < chunk_size:
                return
            this, following = following, this


def _can_pipeline(connection: Any) -> bool:
    if connection.vendor != "postgresql":
        return False
    try:
        import psycopg
    except ImportError:  # psycopg2
        return False
    return psycopg.Pipeline.is_supported()


# --- Comparing columns with canonical bytes ---------------------------------------------------


def _as_aware(value: Any) -> dt.datetime | None:
    """A column or canonical time as an aware datetime (naive means UTC, as Django stores it)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _time_matches(column: Any, canonical: str) -> bool:
    """Does a stored time (read as naive UTC text, or an aware datetime) name the same instant
    as the canonical ``YYYY-MM-DDTHH:MM:SS.ffffffZ``? Any spelling of the instant will do."""
    a, b = _as_aware(column), _as_aware(canonical)
    return a is not None and a == b


def _ip_matches(column: str | None, canonical: Any) -> bool:
    if column == canonical:
        return True
    if column is None or not isinstance(canonical, str):
        return False
    try:
        return ipaddress.ip_address(column.split("/")[0]) == ipaddress.ip_address(canonical)
    except ValueError:
        return False


def _json_equal(a: Any, b: Any) -> bool:
    """JSON values equal as JSON: key order is not significant, and numbers compare by value
    (PostgreSQL's jsonb may print 1e100 as an integer)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def changes_match(column: Any, canonical: Any) -> bool:
    try:
        value = _loads(column) if isinstance(column, str) else column
    except (ValueError, TypeError):
        return False
    return value == canonical or _json_equal(value, canonical)


def _loads(text: str) -> Any:
    """Parse JSON: orjson (three times faster than the standard library, and this runs twice
    per event), falling back to ``json.loads`` for what orjson refuses but Python writes (NaN,
    integers beyond 64 bits, lone surrogates). Raises ValueError if it is not JSON at all."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def row_mismatch(row: tuple, payload: dict[str, Any]) -> str | None:
    """The first column that differs from the canonical bytes, described; None if all match."""
    values = dict(zip(_COLUMNS, row, strict=True))
    for name in _PLAIN:
        if values[name] != payload[name]:
            return f"column {name} is {values[name]!r} but the hashed event says {payload[name]!r}"
    if values["actor_id"] is not None and values["actor_id"] != payload["actor_id"]:
        return (
            f"column actor_id is {values['actor_id']!r} "
            f"but the hashed event says {payload['actor_id']!r}"
        )
    if not isinstance(payload["created_at"], str) or not _time_matches(
        values["created_at"], payload["created_at"]
    ):
        return (
            f"column created_at is {values['created_at']!s} "
            f"but the hashed event says {payload['created_at']!s}"
        )
    if not changes_match(values["changes"], payload["changes"]):
        return "column changes differs from the hashed event's changes"
    if not _ip_matches(values["ip_address"], payload["ip_address"]):
        return (
            f"column ip_address is {values['ip_address']!r} "
            f"but the hashed event says {payload['ip_address']!r}"
        )
    return None
