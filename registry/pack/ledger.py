"""The ledger's part of a pack: the chain segment from its start to the head, checked before it
is sealed, and the two files written from it (``events.jsonl``, ``chain.jsonl``).

``check_segment`` is the pack builder's own verification: it reads every event of the segment
(content and all — of other systems too), recomputes each hash from its canonical bytes, checks
each link, that every signed checkpoint in the segment has the hash the chain has, and that the
walk ends at the head row. Only then is the segment's digest sealed. It also computes, line by
line, the digests of the two files as they will be written; the files are then written from a
second read of the same rows (``event_lines``, ``chain_lines``) and must come out identical (the
ledger is append-only and the segment ends at a fixed head), which the stream checks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from registry.audit.models import GENESIS_HASH, AuditEvent
from registry.audit.selectors import audit_rows_in_order
from registry.audit.services import chain_hash
from registry.core.exceptions import ConflictError
from tools import verify_pack as fmt

# Lines gathered into one write of a zip entry.
_BATCH_BYTES = 64 * 1024
# Events read per query: what a pack holds of the ledger at once (about half a megabyte of rows).
CHUNK_SIZE = 500


class LedgerBrokenError(ConflictError):
    """The ledger does not verify where the pack needs it: nothing is sealed (HTTP 409)."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The audit ledger does not verify, so no pack can be sealed: {reason}",
            code="ledger_broken",
        )


@dataclass
class Digest:
    """A file's SHA-256 and size, taken as its lines are produced."""

    sha: Any = field(default_factory=hashlib.sha256)
    size: int = 0
    lines: int = 0

    def add(self, line: bytes) -> None:
        self.sha.update(line)
        self.size += len(line)
        self.lines += 1

    @property
    def hexdigest(self) -> str:
        return self.sha.hexdigest()


@dataclass(frozen=True)
class Recorded:
    """What an event recorded about an evidence file it attached."""

    sequence: int
    sha256: str
    size: int | None


@dataclass
class Segment:
    """What ``check_segment`` found: the files' digests, and the digest each evidence file's
    attaching event recorded (by evidence id)."""

    events: Digest = field(default_factory=Digest)
    chain: Digest = field(default_factory=Digest)
    evidence: dict[str, Recorded] = field(default_factory=dict)


def check_segment(
    *, start: int, head: tuple[int, str], pins: dict[int, tuple[str, str]], mine: Q
) -> Segment:
    """Verify the events ``start`` to the head (``pins``: sequence → (hash, checkpoint name)),
    and digest the pack's two files. ``mine`` selects the system's events.

    Two streams in sequence order, merged: every event of the segment (a plain query, cheap to
    build for each chunk), and the sequence numbers of the system's (the filter with the
    system's objects is built once for many thousands of them)."""
    head_sequence, head_hash = head
    segment = Segment()
    rows = audit_rows_in_order(
        AuditEvent.objects.all(),
        ("sequence", "prev_hash", "hash", "canonical"),
        start=start,
        end=head_sequence,
        chunk_size=CHUNK_SIZE,
    )
    system_events = audit_rows_in_order(
        AuditEvent.objects.filter(mine),
        ("sequence",),
        start=start,
        end=head_sequence,
        chunk_size=CHUNK_SIZE * 20,
    )
    next_mine = next(system_events, (None,))[0]
    expected, prev = start, None
    for sequence, prev_hash, hash_, canonical in rows:
        if sequence != expected:
            raise LedgerBrokenError(f"event {expected} is missing")
        if chain_hash(prev_hash, canonical.encode("utf-8")) != hash_:
            raise LedgerBrokenError(f"event {sequence}'s hash does not match its content")
        if prev is None and sequence == 1 and prev_hash != GENESIS_HASH:
            raise LedgerBrokenError("the first event does not start from the genesis hash")
        if prev is not None and prev_hash != prev:
            raise LedgerBrokenError(f"event {sequence} does not link to event {sequence - 1}")
        pinned = pins.get(sequence)
        if pinned is not None and pinned[0] != hash_:
            raise LedgerBrokenError(
                f"event {sequence} is not the one checkpoint {pinned[1]} signed: the ledger "
                "was rewritten"
            )
        segment.chain.add(fmt.chain_line(sequence, prev_hash, hash_))
        if sequence == next_mine:
            next_mine = next(system_events, (None,))[0]
            _add_event(segment, sequence, prev_hash, hash_, canonical)
        prev, expected = hash_, sequence + 1
    if (expected - 1, prev) != (head_sequence, head_hash):
        raise LedgerBrokenError(
            f"the chain ends at event {expected - 1}, not at the head row's event {head_sequence}"
        )
    return segment


def _add_event(segment: Segment, sequence: int, prev_hash: str, hash_: str, canonical: str) -> None:
    """One of the system's events: its line of ``events.jsonl``, and what it recorded about an
    evidence file it attached."""
    payload = json.loads(canonical)
    if (payload.get("sequence"), payload.get("prev_hash")) != (sequence, prev_hash):
        raise LedgerBrokenError(f"event {sequence}'s content names another place")
    segment.events.add(fmt.event_line(sequence, prev_hash, hash_, canonical))
    if (
        payload.get("object_type") == fmt.EVIDENCE_OBJECT_TYPE
        and payload.get("action") in fmt.EVIDENCE_ACTIONS
    ):
        changes = payload.get("changes") or {}
        segment.evidence[str(payload.get("object_id"))] = Recorded(
            sequence, str(changes.get("sha256") or ""), changes.get("size")
        )


def _batched(lines: Iterator[bytes]) -> Iterator[bytes]:
    batch: list[bytes] = []
    size = 0
    for line in lines:
        batch.append(line)
        size += len(line)
        if size >= _BATCH_BYTES:
            yield b"".join(batch)
            batch, size = [], 0
    if batch:
        yield b"".join(batch)


def event_lines(*, start: int, end: int, mine: Q) -> Iterator[bytes]:
    """``events.jsonl``: the system's events of the segment, in blocks of lines."""
    rows = audit_rows_in_order(
        AuditEvent.objects.filter(mine),
        ("sequence", "prev_hash", "hash", "canonical"),
        start=start,
        end=end,
        chunk_size=CHUNK_SIZE,
    )
    return _batched(fmt.event_line(*row) for row in rows)


def chain_lines(*, start: int, end: int) -> Iterator[bytes]:
    """``chain.jsonl``: every event of the segment, hashes only, in blocks of lines."""
    rows = audit_rows_in_order(
        AuditEvent.objects.all(),
        ("sequence", "prev_hash", "hash"),
        start=start,
        end=end,
        chunk_size=CHUNK_SIZE,
    )
    return _batched(fmt.chain_line(*row) for row in rows)
