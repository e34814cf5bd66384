"""Verifying the audit ledger: the hash chain, its head row, and signed checkpoints.

``verify_ledger()`` is what ``manage.py audit_verify``, the ``audit-events/verify/`` endpoint and
the checkpoint task use. It streams the ledger in sequence order with keyset pagination (constant
memory, whatever the ledger's length), straight from a database cursor (no model instances), and
checks every event:

1. its sequence number is the next one (gapless from 1, no duplicates);
2. its canonical bytes are a JSON event whose fields equal the row's columns, so editing a column
   without its canonical bytes is caught. A NULL ``actor_id`` column is accepted where the
   canonical bytes name an actor: that is ``on_delete=SET_NULL`` after the user was deleted (the
   copied ``actor_name`` must still match). Benign differences of storage are accepted: JSON key
   order and whitespace in ``changes``, and other spellings of the same instant or IP address;
3. ``hash == SHA-256(prev_hash || canonical bytes)``;
4. ``prev_hash`` is the hash of the event before it (the first event's is 64 zeros);
5. where a *pin* names this sequence — the chain head row, or a signed checkpoint — the hash is
   the pinned one. A pin beyond the end of the ledger means the ledger got shorter.

A row edited and re-hashed passes 1 to 3 and is caught by 4 at the next event; a rewrite of every
later row as well is caught by 5 at the first checkpoint after it; so are truncation and the
restore of an older copy of the database.

The result names the *first bad sequence*: the lowest sequence number at which the stored ledger
cannot be what was written — the event that fails a check, the first missing one, or (for a
rewrite that only a checkpoint reveals) the checkpoint's sequence — and the reason.

Limit, by design of any unkeyed hash chain: someone who can write to the database can append a
correctly chained forged event after the latest checkpoint. The next checkpoint then signs it;
the request ids, times and the rest of the record are what an investigation would look at.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass, field
from hashlib import sha256
from itertools import repeat
from pathlib import Path
from typing import Any

import orjson
from django.db import connections

from registry.audit import checkpoints as audit_checkpoints
from registry.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from registry.audit.rows import (
    FAST_OF_PAYLOAD,
    MAX_SEQUENCE,
    MIN_SEQUENCE,
    PAYLOAD_KEYS,
    changes_match,
    row_mismatch,
    stream_rows,
)

DEFAULT_CHUNK_SIZE = 5000
# A parallel walk splits the ledger into segments of at least this many events (a segment costs
# a query and, in a worker process, a connection), and into more segments than workers, so that
# a worker that finishes early takes the next one and a broken ledger is reported early.
MIN_SEGMENT_EVENTS = 50_000
SEGMENTS_PER_JOB = 4


@dataclass(frozen=True)
class Pin:
    """A (sequence, hash) the chain must contain: from the head row or a signed checkpoint."""

    sequence: int
    hash: str
    label: str


@dataclass(frozen=True)
class Problem:
    """One thing found wrong. ``sequence`` is None when it cannot be placed in the chain (a
    checkpoint file that cannot even be read)."""

    sequence: int | None
    reason: str


@dataclass
class VerifyResult:
    """What a verification found. ``count`` is the number of events checked; ``head_*`` the last
    event that verified; ``first_bad_sequence``/``reason`` the first problem, if any."""

    ok: bool
    count: int
    head_sequence: int
    head_hash: str
    first_bad_sequence: int | None = None
    reason: str = ""
    checkpoints_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        """One line: ``OK <count> events, head <hash>`` or where and why it failed."""
        if self.ok:
            return f"OK {self.count} events, head {self.head_hash}"
        where = (
            f"first bad sequence {self.first_bad_sequence}"
            if self.first_bad_sequence is not None
            else "checkpoint problem"
        )
        return f"FAILED {where}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Broken(Exception):
    """The walk stops here: ``sequence`` is the first bad one. ``pin`` when a pin found it."""

    def __init__(self, sequence: int, reason: str, pin: bool = False) -> None:
        super().__init__(reason)
        self.sequence = sequence
        self.reason = reason
        self.pin = pin


# --- The walk ---------------------------------------------------------------------------------
#
# The chain is walked in *segments*: consecutive ranges of sequence numbers, each checked on its
# own (in a worker process of its own when the walk is parallel), and joined by ``_join``, which
# checks what a segment cannot see by itself — that it starts where the one before ended, and
# that its first event links to the last hash of the one before. A walk with one segment is the
# plain sequential walk; either way the first bad sequence and its reason are the same.


@dataclass
class _Walk:
    expected: int
    prev_hash: str
    count: int = 0


def _out_of_place(seq: int, expected: int) -> _Broken:
    """The event stored next is ``seq`` where ``expected`` was due."""
    if seq < expected:
        return _Broken(seq, f"event {seq} is duplicated or out of order")
    missing = f"{expected}" if seq == expected + 1 else f"{expected} to {seq - 1}"
    return _Broken(expected, f"event {missing} missing: the next stored event is {seq}")


def _link_broken(seq: int) -> _Broken:
    return _Broken(
        seq,
        f"prev_hash does not match the hash of event {seq - 1}: "
        f"event {seq - 1} was changed and re-hashed, or this event was moved",
    )


def _check_chunk(rows: list[tuple], walk: _Walk, pins: Sequence[Pin], pin_index: int) -> int:
    """Check a chunk of rows, advancing ``walk``; return the index of the next pin to meet.
    Raises ``_Broken`` at the first bad event. One row at a time, on purpose: each row's parsed
    JSON is freed before the next is parsed, which keeps the work in the CPU's cache (parsing
    a whole chunk first and comparing column-wise was twice as slow)."""
    orjson_loads = orjson.loads
    fast_of_payload = FAST_OF_PAYLOAD
    n_keys = len(PAYLOAD_KEYS)
    expected, prev = walk.expected, walk.prev_hash
    next_pin = pins[pin_index].sequence if pin_index < len(pins) else None
    try:
        for row in rows:
            seq = row[1]
            if seq != expected:
                raise _out_of_place(seq, expected)
            canonical = row[17]
            try:
                # orjson directly, not _loads: a function call less per row, on the hot path.
                payload = orjson_loads(canonical)
            except orjson.JSONDecodeError:
                try:
                    payload = json.loads(canonical)
                except (TypeError, ValueError):
                    raise _Broken(seq, "the stored canonical bytes are not valid JSON") from None
            except TypeError:
                raise _Broken(seq, "the stored canonical bytes are not valid JSON") from None
            if type(payload) is not dict or len(payload) != n_keys:
                raise _Broken(seq, "the stored canonical bytes are not an audit event")
            changes = row[15]
            if type(changes) is str:
                try:  # noqa: SIM105 (contextlib.suppress costs a context manager per row)
                    changes = orjson_loads(changes)
                except orjson.JSONDecodeError:
                    pass  # left as text, for changes_match to parse or refuse
            try:
                # Every key is read here, so one missing (with another in its place) raises.
                if (
                    fast_of_payload(payload) != row[1:15]
                    or (
                        changes != payload["changes"]
                        and not changes_match(row[15], payload["changes"])
                    )
                ) and (reason := row_mismatch(row, payload)) is not None:
                    raise _Broken(seq, f"edited after it was recorded: {reason}")
            except ValueError:
                raise _Broken(
                    seq, "edited after it was recorded: column changes is not JSON"
                ) from None
            except (KeyError, TypeError):
                raise _Broken(seq, "the stored canonical bytes are not an audit event") from None
            prev_hash, hash_ = row[11], row[16]
            try:
                digest = sha256(
                    prev_hash.encode() + canonical
                    if type(canonical) is bytes
                    else (prev_hash + canonical).encode()
                ).hexdigest()
            except (TypeError, UnicodeError, AttributeError):
                raise _Broken(seq, "stored hash inputs are not text") from None
            if digest != hash_:
                raise _Broken(
                    seq,
                    "stored hash is not SHA-256(prev_hash || canonical bytes): the row was edited",
                )
            if prev_hash != prev:
                raise _link_broken(seq)
            if seq == next_pin:
                while pin_index < len(pins) and pins[pin_index].sequence == seq:
                    pin = pins[pin_index]
                    if pin.hash != hash_:
                        raise _Broken(
                            seq,
                            f"hash of event {seq} differs from {pin.label}: "
                            f"the ledger was rewritten at or before event {seq}",
                            pin=True,
                        )
                    pin_index += 1
                next_pin = pins[pin_index].sequence if pin_index < len(pins) else None
            prev = hash_
            expected += 1
    finally:
        walk.count += expected - walk.expected
        walk.expected, walk.prev_hash = expected, prev
    return pin_index


@dataclass(frozen=True)
class _Segment:
    """The events with ``lower <= sequence <= upper``, the first of which should be
    ``expected``; the pins among them; and, for the first segment of a walk that starts at a
    trusted pin, that pin (the event at ``lower``, which must carry the pinned hash)."""

    lower: int
    upper: int
    expected: int
    pins: tuple[Pin, ...]
    anchor: Pin | None = None


@dataclass
class _SegmentResult:
    """What a segment's walk found. ``first_*`` describe its first stored event (None if it
    has none); ``expected``/``last_hash``/``count`` where its walk got to; ``broken`` the first
    problem inside the segment, as (sequence, reason, found by a pin)."""

    expected: int
    first_sequence: int | None = None
    first_prev_hash: Any = None
    last_hash: str = ""
    count: int = 0
    pins_met: int = 0
    broken: tuple[int, str, bool] | None = None


def _walk_segment(segment: _Segment, chunk_size: int, using: str) -> _SegmentResult:
    """Check every event of one segment, except the link of its first event to the event before
    it, which only ``_join`` can check (it knows the hash the segment before ended on)."""
    result = _SegmentResult(expected=segment.expected)
    walk: _Walk | None = None
    pin_index = 0
    anchor = segment.anchor
    try:
        # closing(): a walk that stops at a bad event ends the query under way at once.
        with closing(stream_rows(using, segment.lower, chunk_size, segment.upper)) as chunks:
            for chunk in chunks:
                rows = chunk
                if anchor is not None:
                    rows, anchor = _check_anchor(rows, anchor), None
                if not rows:
                    continue
                if walk is None:
                    first = rows[0]
                    result.first_sequence, result.first_prev_hash = first[1], first[11]
                    walk = _Walk(expected=segment.expected, prev_hash=first[11])
                pin_index = _check_chunk(rows, walk, segment.pins, pin_index)
        if anchor is not None:
            raise _Broken(anchor.sequence, f"event {anchor.sequence} is missing ({anchor.label})")
    except _Broken as broken:
        result.broken = (broken.sequence, broken.reason, broken.pin)
    if walk is not None:
        result.expected, result.last_hash, result.count = walk.expected, walk.prev_hash, walk.count
    result.pins_met = pin_index
    return result


def _walk_segment_in_worker(segment: _Segment, chunk_size: int, using: str) -> _SegmentResult:
    try:
        return _walk_segment(segment, chunk_size, using)
    finally:
        connections.close_all()  # this process's own connections, opened for the segment


def _plan(
    *,
    start: int,
    anchor: Pin | None,
    pins: list[Pin],
    jobs: int,
    min_segment_events: int,
    using: str,
) -> list[_Segment]:
    """Split the events after ``start`` into segments: one for a sequential walk; for a parallel
    one, ``SEGMENTS_PER_JOB`` per worker, of at least ``min_segment_events`` events each. The
    first segment also takes whatever lies below (forged events numbered 0 or less, or the
    anchor), the last whatever lies beyond the highest known sequence."""
    count = 1
    if jobs > 1:
        qn = connections[using].ops.quote_name
        table, seq = qn(AuditEvent._meta.db_table), qn("sequence")
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT MAX({seq}) FROM {table}")  # noqa: S608 (names only)
            highest = cursor.fetchone()[0] or 0
        top = max([highest, *(p.sequence for p in pins)])
        count = max(1, min(jobs * SEGMENTS_PER_JOB, (top - start) // max(1, min_segment_events)))
        bounds = [start + 1 + (top - start) * i // count for i in range(count)]
    else:
        bounds = [start + 1]
    segments = []
    for i, first in enumerate(bounds):
        lower = (anchor.sequence if anchor else MIN_SEQUENCE) if i == 0 else first
        upper = bounds[i + 1] - 1 if i + 1 < count else MAX_SEQUENCE
        mine = tuple(p for p in pins if lower <= p.sequence <= upper)
        segments.append(_Segment(lower, upper, first, mine, anchor if i == 0 else None))
    return segments


def _can_fork(using: str) -> bool:
    """May this walk run in forked worker processes? Only where the workers' own connections
    see what this one sees (not inside a transaction, nor an in-memory SQLite database), and
    from a single-threaded process (forking copies no other thread)."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return False
    if any(c.in_atomic_block for c in connections.all(initialized_only=True)):
        return False
    connection = connections[using]
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _run(
    segments: list[_Segment], chunk_size: int, using: str, jobs: int
) -> Iterator[_SegmentResult]:
    """The segments' results, in order, as they come: from ``jobs`` worker processes, or from
    this process. The caller stops reading at the first problem; the segments not yet started
    are then cancelled."""
    if jobs <= 1 or len(segments) == 1 or not _can_fork(using):
        for segment in segments:
            yield _walk_segment(segment, chunk_size, using)
        return
    # Each worker opens its own connections; none may share one of this process's sockets.
    connections.close_all()
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(segments)), mp_context=multiprocessing.get_context("fork")
    )
    try:
        yield from pool.map(_walk_segment_in_worker, segments, repeat(chunk_size), repeat(using))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _join(
    segments: list[_Segment], results: Iterable[_SegmentResult], expected: int, prev: str
) -> VerifyResult:
    """The verdict on the whole walk, from its segments' results in order: each segment must
    start where the one before ended and link to its last hash; the first problem found, in
    sequence order, is the first bad sequence. A pin that no event met means the ledger ends
    before it."""
    count = 0
    unmet: Pin | None = None
    try:
        for segment, result in zip(segments, results, strict=True):
            if result.first_sequence is not None:
                if result.first_sequence != expected:
                    raise _out_of_place(result.first_sequence, expected)
                first_row_bad = (
                    result.broken is not None and result.count == 0 and not result.broken[2]
                )
                if not first_row_bad and result.first_prev_hash != prev:
                    raise _link_broken(result.first_sequence)
            if result.count:
                count += result.count
                expected, prev = result.expected, result.last_hash
            if result.broken is not None:
                raise _Broken(*result.broken)
            if unmet is None and result.pins_met < len(segment.pins):
                unmet = segment.pins[result.pins_met]
    except _Broken as broken:
        return VerifyResult(
            ok=False,
            count=count,
            head_sequence=expected - 1,
            head_hash=prev,
            first_bad_sequence=broken.sequence,
            reason=broken.reason,
            problems=[Problem(broken.sequence, broken.reason)],
        )
    last = expected - 1
    if unmet is not None:
        reason = (
            f"the ledger ends at event {last} but {unmet.label} records event {unmet.sequence}: "
            f"events {last + 1} to {unmet.sequence} were removed (truncated or an older copy "
            "restored)"
        )
        return VerifyResult(
            ok=False,
            count=count,
            head_sequence=last,
            head_hash=prev,
            first_bad_sequence=last + 1,
            reason=reason,
            problems=[Problem(last + 1, reason)],
        )
    return VerifyResult(ok=True, count=count, head_sequence=last, head_hash=prev)


def verify_chain(
    *,
    pins: Iterable[Pin] = (),
    since: Pin | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    using: str = "default",
    jobs: int = 1,
    min_segment_events: int = MIN_SEGMENT_EVENTS,
) -> VerifyResult:
    """Walk the chain and check every event (see the module docstring), and every pin.

    ``since`` starts the walk at a trusted (sequence, hash) — the latest checkpoint — instead of
    the genesis: the event at that sequence must have that hash, and the events after it are
    checked. The chain head row is always added as a pin.

    ``jobs`` > 1 walks segments of the chain in that many worker processes at once (forked, each
    with its own connection; see ``_can_fork`` for when it falls back to this process). The
    result is the same as a sequential walk's."""
    head = AuditChainHead.objects.using(using).filter(pk=1).values_list("sequence", "hash").first()
    all_pins = list(pins)
    if head is not None and head[0] > 0:
        all_pins.append(Pin(head[0], head[1], "the chain head row"))
    anchor = since if since is not None and since.sequence > 0 else None
    start = anchor.sequence if anchor is not None else 0
    all_pins = sorted(
        (p for p in all_pins if p.sequence > start or anchor is None), key=lambda p: p.sequence
    )
    segments = _plan(
        start=start,
        anchor=anchor,
        pins=all_pins,
        jobs=jobs,
        min_segment_events=min_segment_events,
        using=using,
    )
    prev = since.hash if since is not None else GENESIS_HASH
    with closing(_run(segments, chunk_size, using, jobs)) as results:
        return _join(segments, results, start + 1, prev)


def _check_anchor(rows: list[tuple], since: Pin) -> list[tuple]:
    """The first chunk of a walk that starts at a trusted pin: its first row must be the pinned
    event with the pinned hash; the walk goes on from the row after it."""
    first = rows[0]
    if first[1] != since.sequence or first[16] != since.hash:
        raise _Broken(
            since.sequence,
            f"event {since.sequence} is missing or its hash differs from {since.label}",
        )
    return rows[1:]


# --- Checkpoints and the whole ledger ---------------------------------------------------------


def verify_ledger(
    *,
    checkpoint_dir: str | Path | None = None,
    public_keys: Sequence[Any] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    using: str = "default",
    jobs: int = 1,
    min_segment_events: int = MIN_SEGMENT_EVENTS,
) -> VerifyResult:
    """Verify the chain, every checkpoint in ``checkpoint_dir`` (signature by a trusted key, and
    that checkpoints never go backwards), and that the chain contains every checkpoint's
    (sequence, hash). ``public_keys`` defaults to the configured trusted keys; ``jobs`` and
    ``min_segment_events`` are ``verify_chain``'s."""
    checkpoints, problems = [], []
    if checkpoint_dir is not None:
        keys = audit_checkpoints.trusted_public_keys() if public_keys is None else public_keys
        checkpoints, found = audit_checkpoints.load_checkpoints(checkpoint_dir, keys)
        found += audit_checkpoints.order_problems(checkpoints)
        problems = [Problem(sequence, reason) for sequence, reason in found]
    pins = [Pin(c.sequence, c.hash, f"checkpoint {c.name} ({c.created_at})") for c in checkpoints]
    result = verify_chain(
        pins=pins,
        chunk_size=chunk_size,
        using=using,
        jobs=jobs,
        min_segment_events=min_segment_events,
    )
    result.checkpoints_checked = len(checkpoints)
    problems = result.problems + problems
    if problems:
        problems.sort(key=lambda p: (p.sequence is None, p.sequence or 0))
        first = problems[0]
        result.ok = False
        result.first_bad_sequence = first.sequence
        result.reason = first.reason
        result.problems = problems
    return result


def add_jobs_argument(parser: Any) -> None:
    """The ``--jobs`` option of the commands that walk the chain (0, the default: one per CPU)."""
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="Worker processes that check segments of the chain at once (default: one per "
        f"CPU; 1 walks it in this process). A segment holds at least {MIN_SEGMENT_EVENTS:,} "
        "events, so a short walk is done by fewer.",
    )


class LedgerBrokenError(Exception):
    """The ledger failed verification, so it must not be signed."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(result.summary())
        self.result = result


def checkpoint_ledger(
    *,
    directory: str | Path | None = None,
    full: bool = False,
    now: dt.datetime | None = None,
    using: str = "default",
    jobs: int = 1,
) -> tuple[audit_checkpoints.Checkpoint, bool]:
    """Verify the ledger and sign a checkpoint of its head; return it and whether it is new.

    A broken ledger is never signed (``LedgerBrokenError``). By default only the events after
    the latest valid checkpoint are checked, anchored on that checkpoint's hash, so the daily
    run costs what the day added; ``full=True`` walks the whole chain. Running it again with
    nothing appended writes nothing, so two runs (or two workers) at once are harmless.
    ``jobs`` is ``verify_chain``'s (the command's ``--jobs``; a Celery worker's pool process
    cannot have children, so the daily task walks in its own process)."""
    folder = Path(directory) if directory is not None else audit_checkpoints.checkpoint_dir()
    keys = audit_checkpoints.trusted_public_keys()
    latest = audit_checkpoints.latest_checkpoint(folder, keys)
    since = (
        Pin(latest.sequence, latest.hash, f"checkpoint {latest.name}")
        if latest is not None and not full
        else None
    )
    result = verify_chain(since=since, using=using, jobs=jobs)
    if not result.ok:
        raise LedgerBrokenError(result)
    if latest is not None and (latest.sequence, latest.hash) == (
        result.head_sequence,
        result.head_hash,
    ):
        return latest, False
    checkpoint = audit_checkpoints.write_checkpoint(
        sequence=result.head_sequence, hash=result.head_hash, directory=folder, now=now
    )
    return checkpoint, True
