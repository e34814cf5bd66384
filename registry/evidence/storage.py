"""Where evidence files live: the ``evidence`` storage of Django's ``STORAGES`` setting — the
local filesystem under ``VAR_DIR/evidence`` by default, any S3-compatible store through
django-storages when ``STEWARD_EVIDENCE_STORAGE=s3`` (config/settings.py).

Files are stored under generated keys (``2026/12/<uuid>.pdf``), never under the name they were
uploaded with. A file is written inside the transaction that records it, after every check has
passed. If that transaction does not commit, the file goes: at once when the recording service
fails, and, when a transaction further out rolls back after the service returned, as soon as the
connection has left its last atomic block (``discard_uncommitted``, run at the end of every
request and before every upload) — a file is only deleted when no row names it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import IO

from django.core.files.storage import Storage, storages
from django.db import DEFAULT_DB_ALIAS, connections, transaction

STORAGE_ALIAS = "evidence"
_PENDING = "_steward_evidence_uncommitted"


def evidence_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def new_key(extension: str, now: dt.datetime) -> str:
    """A fresh key: the month, a random UUID and the (accepted) extension of the type."""
    return f"{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"


def store(key: str, content: IO[bytes]) -> str:
    """Write ``content`` (read in chunks by the storage) under ``key`` inside the current
    transaction; return the name it was stored under. The file is deleted again if the
    transaction does not commit."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("Evidence is stored inside the transaction that records it.")
    storage = evidence_storage()
    content.seek(0)
    try:
        name = storage.save(key, content)
    except BaseException:
        delete(key)
        raise
    connection.__dict__.setdefault(_PENDING, set()).add(name)
    return name


def delete(name: str) -> bool:
    """Remove a stored file if it is there (a failed write may have left part of it); return
    whether there was one."""
    storage = evidence_storage()
    if not storage.exists(name):
        return False
    storage.delete(name)
    return True


def discard_uncommitted(using: str = DEFAULT_DB_ALIAS, **_: object) -> int:
    """Delete the files stored on this connection by transactions that have since ended
    without committing them: those that no evidence row names. Returns how many it deleted.

    Does nothing while the connection is still inside an atomic block (the transaction that
    stored them may yet commit). Connected to ``request_finished``."""
    from registry.evidence.models import EvidenceItem

    connection = connections[using]
    pending = connection.__dict__.get(_PENDING)
    if not pending or connection.in_atomic_block:
        return 0
    names = set(pending)
    pending.clear()
    kept = set(
        EvidenceItem.objects.filter(storage_key__in=names).values_list("storage_key", flat=True)
    )
    return sum(delete(name) for name in names - kept)
