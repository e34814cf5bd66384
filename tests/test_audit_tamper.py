"""The tamper matrix: every way of rewriting the ledger that an attacker with database superuser
rights has (the append-only triggers lifted first), each caught with the right first bad
sequence — and storage differences that change nothing, not flagged.

CI runs this module on SQLite and again on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from registry.audit import services as audit
from registry.audit.choices import AuditSource
from registry.audit.models import AuditEvent
from registry.audit.services import audit_context, canonical_bytes, chain_hash
from registry.audit.verify import Pin, checkpoint_ledger, verify_chain, verify_ledger
from registry.people import services
from registry.people.choices import TeamFunction
from registry.people.models import Team
from tests import audit_support as attack
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@dataclass
class Ledger:
    """Twelve events, checkpoints signed at event 6 and event 12, and a backup of the database
    taken at event 6."""

    backup: tuple
    checkpoints: Path

    def verify(self, *, checkpoints: bool = True, jobs: int = 1):
        # min_segment_events=1: a parallel walk splits these twelve events into segments of one
        # or two, so every kind of tampering falls on a segment's edge somewhere in the matrix.
        return verify_ledger(
            checkpoint_dir=self.checkpoints if checkpoints else None,
            jobs=jobs,
            min_segment_events=1,
        )


def _record_events(actor, start: int, count: int) -> None:
    for i in range(start, start + count):
        with audit_context(
            source=AuditSource.API,
            request_id=f"req-{i}",
            ip_address="203.0.113.7" if i % 2 else "2001:db8::1",
            user_agent="pytest/1.0",
            token_prefix="stw_abcd1234" if i % 3 == 0 else "",
        ):
            if i % 2:
                services.team_create(
                    actor=actor, name=f"Team {i}", function=TeamFunction.DATA, description="ünï"
                )
            else:
                team = services.team_create(actor=actor, name=f"Team {i}", function="legal")
                services.team_update(actor=actor, team=team, data={"description": f"v{i} → ok"})


@pytest.fixture
def ledger(db) -> Ledger:
    admin = make_user("root", is_superuser=True, is_staff=True)
    _record_events(admin, 0, 4)  # 6 events: teams 1, 3 are one event; 0, 2 are two
    assert AuditEvent.objects.count() == 6
    checkpoint_ledger()
    backup = attack.snapshot()
    _record_events(admin, 4, 4)
    assert AuditEvent.objects.count() == 12
    checkpoint_ledger()
    return Ledger(backup=backup, checkpoints=Path(settings.STEWARD_AUDIT_CHECKPOINT_DIR))


@pytest.mark.parametrize("jobs", [1, 2, 4])
def test_untouched_ledger_verifies(ledger, jobs):
    result = ledger.verify(jobs=jobs)
    assert result.ok, result.summary()
    assert result.count == 12
    assert result.checkpoints_checked == 2
    assert result.summary() == f"OK 12 events, head {AuditEvent.objects.get(sequence=12).hash}"


# --- Tampering ----------------------------------------------------------------------------------


def _forge_row(sequence: int, prev_hash: str, *, good_hash: bool) -> None:
    template = AuditEvent.objects.get(sequence=1)
    payload = json.loads(template.canonical) | {
        "sequence": sequence,
        "prev_hash": prev_hash,
        "action": "registry.team.deleted",
        "object_repr": "Forged",
    }
    canonical = canonical_bytes(payload)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                sequence=sequence,
                created_at=template.created_at,
                actor_name=payload["actor_name"],
                source=payload["source"],
                action=payload["action"],
                object_type=payload["object_type"],
                object_id=payload["object_id"],
                object_repr=payload["object_repr"],
                changes=payload["changes"],
                request_id=payload["request_id"],
                ip_address=payload["ip_address"],
                user_agent=payload["user_agent"],
                actor_token=payload["actor_token"],
                actor_id=payload["actor_id"],
                prev_hash=prev_hash,
                hash=chain_hash(prev_hash, canonical) if good_hash else "e" * 64,
                canonical=canonical.decode(),
            )
        ]
    )


def _hash_of(sequence: int) -> str:
    return AuditEvent.objects.values_list("hash", flat=True).get(sequence=sequence)


def edit_a_field(ledger):
    attack.edit(4, object_repr="Nothing to see here")


def edit_the_changes(ledger):
    attack.edit(4, changes={"description": ["", "rewritten"]})


def edit_the_actor(ledger):
    attack.edit(4, actor_name="someone else")


def edit_the_stored_hash(ledger):
    attack.edit(4, hash="f" * 64)


def edit_and_rehash_that_row(ledger):
    attack.rehash(4, object_repr="Nothing to see here")


def edit_and_rehash_every_later_row(ledger):
    new = attack.rehash(8, object_repr="Nothing to see here")
    attack.rehash_after(8, new)


def edit_early_and_rehash_every_later_row(ledger):
    new = attack.rehash(4, object_repr="Nothing to see here")
    attack.rehash_after(4, new)


def delete_a_middle_row(ledger):
    attack.delete(5)


def delete_the_last_rows(ledger):
    attack.delete(11, 12)
    attack.set_head()


def delete_the_last_rows_leaving_the_head(ledger):
    attack.delete(11, 12)


def swap_two_rows(ledger):
    attack.swap(3, 7)


def insert_a_forged_row_at_the_end(ledger):
    _forge_row(13, _hash_of(12), good_hash=False)


def insert_a_forged_row_in_the_middle(ledger):
    # Make room at 9 (renumber 9..12 to 10..13, last first) and chain a forgery onto event 8.
    # The displaced event's link must move too: prev_hash is unique, so no two events can
    # claim the same predecessor.
    for seq in range(12, 8, -1):
        attack.edit(seq, sequence=seq + 1)
    attack.edit(10, prev_hash="d" * 64)
    _forge_row(9, _hash_of(8), good_hash=True)
    attack.edit(10, prev_hash=_hash_of(9))


def insert_a_forged_first_row(ledger):
    _forge_row(0, "1" * 64, good_hash=True)


def restore_an_older_copy(ledger):
    attack.restore(ledger.backup)


def restore_an_older_copy_and_carry_on(ledger):
    attack.restore(ledger.backup)
    admin = make_user("mallory", is_superuser=True)
    _record_events(admin, 100, 4)


def forge_a_checkpoint_signature(ledger):
    # Rewrite the chain from event 8 and make the newest checkpoint agree with it.
    new = attack.rehash(8, object_repr="Nothing to see here")
    head = attack.rehash_after(8, new)
    newest = max(ledger.checkpoints.glob("checkpoint-*.json"))
    data = json.loads(newest.read_text())
    data["hash"] = head
    newest.write_text(json.dumps(data))


def sign_a_checkpoint_with_another_key(ledger):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from registry.audit.checkpoints import write_checkpoint

    new = attack.rehash(8, object_repr="Nothing to see here")
    head = attack.rehash_after(8, new)
    for path in ledger.checkpoints.glob("checkpoint-000000000012-*.json"):
        path.unlink()
    write_checkpoint(sequence=12, hash=head, key=Ed25519PrivateKey.generate())


# (tamper, first bad sequence, caught by the chain alone?)
MATRIX: list[tuple[Callable, int, bool]] = [
    (edit_a_field, 4, True),
    (edit_the_changes, 4, True),
    (edit_the_actor, 4, True),
    (edit_the_stored_hash, 4, True),
    (edit_and_rehash_that_row, 5, True),
    (edit_and_rehash_every_later_row, 12, False),
    (edit_early_and_rehash_every_later_row, 6, False),
    (delete_a_middle_row, 5, True),
    (delete_the_last_rows, 11, False),
    (delete_the_last_rows_leaving_the_head, 11, True),
    (swap_two_rows, 3, True),
    (insert_a_forged_row_at_the_end, 13, True),
    (insert_a_forged_row_in_the_middle, 10, True),
    (insert_a_forged_first_row, 0, True),
    (restore_an_older_copy, 7, False),
    (restore_an_older_copy_and_carry_on, 12, False),
    (forge_a_checkpoint_signature, 12, False),
    (sign_a_checkpoint_with_another_key, 12, False),
]


@pytest.mark.parametrize(
    ("tamper", "first_bad", "chain_alone"), MATRIX, ids=[t.__name__ for t, _, _ in MATRIX]
)
def test_tampering_is_detected_at_the_first_bad_sequence(ledger, tamper, first_bad, chain_alone):
    with attack.triggers_lifted():
        tamper(ledger)

    result = ledger.verify()
    assert not result.ok
    assert result.first_bad_sequence == first_bad, result.problems
    assert result.reason

    # A walk in segments (2 jobs: eight segments; 4 jobs: twelve of one event) finds the same,
    # for the same reason, having checked as many events.
    for jobs in (2, 4):
        assert ledger.verify(jobs=jobs) == result, jobs

    # Without checkpoints, only what the chain itself can show is caught.
    assert verify_ledger(checkpoint_dir=None).ok is not chain_alone
    assert ledger.verify(checkpoints=False, jobs=4).ok is not chain_alone

    with pytest.raises(CommandError, match=f"first bad sequence {first_bad}: "):
        call_command("audit_verify", checkpoints=str(ledger.checkpoints))


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        (edit_a_field, "column object_repr is 'Nothing to see here'"),
        (edit_the_stored_hash, "stored hash is not SHA-256"),
        (edit_and_rehash_that_row, "prev_hash does not match the hash of event 4"),
        (delete_a_middle_row, "event 5 missing"),
        (delete_the_last_rows, "ledger ends at event 10"),
        (swap_two_rows, "column sequence is 3 but the hashed event says 7"),
        (edit_and_rehash_every_later_row, "differs from checkpoint"),
        (forge_a_checkpoint_signature, "signature that does not verify"),
        (sign_a_checkpoint_with_another_key, "signed by an unknown key"),
    ],
    ids=lambda v: v.__name__ if callable(v) else "",
)
def test_reasons_say_what_was_found(ledger, tamper, words):
    with attack.triggers_lifted():
        tamper(ledger)
    assert words in ledger.verify().reason


def test_a_broken_ledger_is_not_signed(ledger):
    _record_events(make_user("late", is_superuser=True), 50, 2)  # events 13 to 15
    before = sorted(ledger.checkpoints.iterdir())
    with attack.triggers_lifted():
        attack.edit(14, action="registry.team.renamed")
    with pytest.raises(CommandError, match="Not signed: FAILED first bad sequence 14"):
        call_command("audit_checkpoint")
    assert sorted(ledger.checkpoints.iterdir()) == before


def test_a_full_checkpoint_run_walks_the_whole_chain(ledger):
    with attack.triggers_lifted():
        attack.edit(9, action="registry.team.renamed")
    call_command("audit_checkpoint")  # from the latest checkpoint on: nothing new to check
    with pytest.raises(CommandError, match="Not signed: FAILED first bad sequence 9"):
        call_command("audit_checkpoint", full=True)
    # The same with worker processes (inside this test's transaction the walk stays in this
    # process; tests/test_audit_verify_parallel.py forks for real), and a bad --jobs is refused.
    with pytest.raises(CommandError, match="Not signed: FAILED first bad sequence 9"):
        call_command("audit_checkpoint", full=True, jobs=2)
    with pytest.raises(CommandError, match="--jobs must be at least 0"):
        call_command("audit_checkpoint", jobs=-1)


# --- What is not tampering ----------------------------------------------------------------------


def _reordered(value):
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    return value


def test_changes_stored_with_other_key_order_and_spacing_are_not_flagged(ledger):
    event = AuditEvent.objects.get(sequence=1)
    assert len(event.changes) > 1
    text = json.dumps(_reordered(event.changes), indent=3, ensure_ascii=True)
    with attack.triggers_lifted():
        attack.raw_update(1, "changes", text)
    assert ledger.verify().ok


def test_same_instant_stored_another_way_is_not_flagged(ledger):
    event = AuditEvent.objects.get(sequence=3)
    elsewhere = event.created_at.astimezone(ZoneInfo("Asia/Kolkata")).isoformat()
    with attack.triggers_lifted():
        attack.raw_update(3, "created_at", elsewhere)
    assert ledger.verify().ok


def test_same_ip_address_written_another_way_is_not_flagged(ledger):
    event = AuditEvent.objects.get(sequence=2)
    assert event.ip_address == "2001:db8::1"
    with attack.triggers_lifted():
        attack.raw_update(2, "ip_address", "2001:0db8:0000:0000:0000:0000:0000:0001")
    assert ledger.verify().ok


def test_canonical_bytes_do_not_depend_on_key_order():
    one = {"b": 1, "a": {"y": [1, 2], "x": "é"}, "c": None}
    two = {"c": None, "a": {"x": "é", "y": [1, 2]}, "b": 1}
    assert canonical_bytes(one) == canonical_bytes(two)
    assert canonical_bytes(one) == '{"a":{"x":"é","y":[1,2]},"b":1,"c":null}'.encode()


def test_checkpoint_twice_with_nothing_new_writes_once(ledger):
    before = sorted(ledger.checkpoints.iterdir())
    _, created = checkpoint_ledger()
    assert not created
    assert sorted(ledger.checkpoints.iterdir()) == before


def test_awkward_values_round_trip_and_verify(db):
    """Numbers beyond 64 bits, floats the database prints differently, non-ASCII and JSON's
    awkward characters: stored and read back, the event still verifies."""
    team = services.team_create(actor=None, name="Odd", function=TeamFunction.DATA)
    changes = {
        "big": 2**70,
        "huge": 1e100,
        "tiny": 1e-12,
        "ratio": 0.1,
        "text": 'é ✓ \u2028 "quoted" \\ tab\t',
        "nested": {"z": [1, {"b": None, "a": True}], "a": []},
    }
    with audit_context(ip_address="2001:0db8:0000::0001"), transaction.atomic():
        audit.record(
            actor=None, action="test.odd", obj=Team.objects.get(pk=team.pk), changes=changes
        )
    event = AuditEvent.objects.get(action="test.odd")
    assert event.ip_address == "2001:db8::1"  # stored in its canonical spelling
    result = verify_ledger()
    assert result.ok, result.summary()


@pytest.mark.postgres
@pytest.mark.parametrize("chunk_size", [4, 5, 6, 5000])
def test_a_duplicated_event_is_found_even_across_a_chunk_boundary(ledger, chunk_size):
    """Duplicates need the unique constraints dropped first (PostgreSQL lets a superuser do
    that); the walk must still see both rows wherever its chunks happen to split them."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the fixture's deferred FK checks
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
            [AuditEvent._meta.db_table],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE registry_auditevent DROP CONSTRAINT "{name}"')
    copy = AuditEvent.objects.filter(sequence=5).values().get()
    copy.pop("id")
    with attack.triggers_lifted():
        AuditEvent.objects.bulk_create([AuditEvent(**copy)])
    result = verify_chain(chunk_size=chunk_size)
    assert not result.ok
    assert result.first_bad_sequence == 5
    assert "duplicated" in result.reason


def test_whole_second_times_verify_and_a_moved_time_does_not(db):
    team = services.team_create(actor=None, name="Clock", function=TeamFunction.DATA)
    whole = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)  # stored without a fraction
    with transaction.atomic():
        audit.record(actor=None, action="test.clock", obj=team, now=whole)
    assert verify_ledger().ok
    event = AuditEvent.objects.get(action="test.clock")
    with attack.triggers_lifted():
        attack.edit(event.sequence, created_at=whole + dt.timedelta(microseconds=1))
    result = verify_ledger()
    assert result.first_bad_sequence == event.sequence
    assert "created_at" in result.reason


def test_a_walk_from_a_checkpoint_in_segments_agrees_with_one_in_sequence(ledger):
    since = Pin(4, _hash_of(4), "checkpoint 4")
    sequential = verify_chain(since=since)
    assert sequential.ok and sequential.count == 8
    assert verify_chain(since=since, jobs=3, min_segment_events=1) == sequential
    with attack.triggers_lifted():
        attack.edit(9, object_repr="Nothing to see here")
    sequential = verify_chain(since=since)
    assert sequential.first_bad_sequence == 9
    assert verify_chain(since=since, jobs=3, min_segment_events=1) == sequential
    # The anchor itself is checked by the first segment.
    wrong = Pin(4, "0" * 64, "checkpoint 4")
    assert verify_chain(since=wrong, jobs=3, min_segment_events=1) == verify_chain(since=wrong)
    assert verify_chain(since=wrong).first_bad_sequence == 4
