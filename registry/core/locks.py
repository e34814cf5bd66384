"""Named locks held until the end of the current transaction.

On PostgreSQL a transaction-level advisory lock; on SQLite nothing is needed, because every
Steward transaction there is IMMEDIATE and so already holds the database's write lock.
"""

from __future__ import annotations

import hashlib

from django.db import connection


def advisory_xact_lock(name: str) -> None:
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
