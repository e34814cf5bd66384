"""Recording: ``record()`` and ``record_many()`` write the same events, chained, in the caller's
transaction and only there."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from django.db import transaction

from registry.audit import services as audit
from registry.audit.choices import AuditSource
from registry.audit.models import AuditChainHead, AuditEvent
from registry.audit.verify import verify_ledger
from registry.people import services
from registry.people.choices import TeamFunction
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=dt.UTC)


@pytest.fixture
def teams(db):
    return [
        services.team_create(actor=None, name=f"Team {i}", function=TeamFunction.DATA)
        for i in range(3)
    ]


def _context():
    return audit.audit_context(
        source=AuditSource.TASK,
        request_id="run-7",
        ip_address="2001:db8:0:0::1",
        user_agent="celery",
        token_prefix="",
    )


def test_record_many_writes_what_record_would(teams):
    actor = make_user("batcher", is_superuser=True)
    changes = {"reminded": ["2026-02-01", NOW], "level": 2}
    with _context(), transaction.atomic():
        one = audit.record(actor=actor, action="test.batch", obj=teams[0], changes=changes, now=NOW)
    start = AuditEvent.objects.count()
    with _context(), transaction.atomic():
        written = audit.record_many(
            actor=actor,
            action="test.batch",
            entries=[audit.AuditEntry.of(team, changes) for team in teams],
            now=NOW,
        )
    assert written == 3
    many = list(AuditEvent.objects.filter(sequence__gt=start).order_by("sequence"))
    first = json.loads(many[0].canonical)
    reference = json.loads(one.canonical)
    for key in ("sequence", "prev_hash"):
        first.pop(key), reference.pop(key)
    assert first == reference
    assert [e.object_id for e in many] == [str(t.pk) for t in teams]
    assert many[0].ip_address == "2001:db8::1"
    assert (AuditChainHead.objects.get().sequence, AuditChainHead.objects.get().hash) == (
        many[-1].sequence,
        many[-1].hash,
    )
    result = verify_ledger()
    assert result.ok, result.summary()


def test_record_returns_the_stored_event(teams):
    with transaction.atomic():
        event = audit.record(actor=None, action="test.one", obj=teams[0], now=NOW)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.sequence, stored.hash, stored.canonical) == (
        event.sequence,
        event.hash,
        event.canonical,
    )
    assert stored.created_at == NOW


def test_recording_needs_the_transaction_of_the_change(teams, monkeypatch):
    # As if no transaction were open (the test's own would hide the refusal), without the cost
    # of a transactional test.
    monkeypatch.setattr(transaction.get_connection(), "in_atomic_block", False)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record(actor=None, action="test.loose", obj=teams[0])
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.record_many(actor=None, action="test.loose", entries=[audit.AuditEntry.of(teams[0])])
    assert audit.record_many(actor=None, action="test.loose", entries=[]) == 0


def test_record_many_stores_the_bytes_and_columns_record_would(teams):
    # Values whose spelling could differ between encoders: non-ASCII and escaped characters,
    # floats, integers beyond 64 bits, unsorted nested keys, times and decimals.
    changes = {
        "z": 'é ü 漢字 \u2028 "quoted" \\ \t',
        "a": [1, 2.5, 1e100, -0.0, None, True, False],
        "nested": {"b": 1, "a": {"d": 2, "c": [3, {"y": 1, "x": 2}]}},
        "big": 2**70,
        "when": NOW,
        "amount": Decimal("12.50"),
    }
    label = "Étiquette « longue » " * 20  # over 300 characters: cut as record() cuts it
    actor = make_user("bytes", is_superuser=True)
    columns = [f.attname for f in AuditEvent._meta.concrete_fields]
    with _context(), transaction.atomic():
        one = audit.record(
            actor=actor,
            action="test.bytes",
            obj=teams[0],
            changes=changes,
            object_repr=label,
            now=NOW,
        )
        audit.record_many(
            actor=actor,
            action="test.bytes",
            entries=[audit.AuditEntry.of(teams[0], changes, object_repr=label)] * 2,
            now=NOW,
        )
    # record() itself writes what canonical_bytes() makes of the event's fields.
    assert one.canonical.encode("utf-8") == audit.canonical_bytes(audit.event_payload(one))
    assert one.hash == audit.chain_hash(one.prev_hash, one.canonical.encode("utf-8"))
    stored = list(AuditEvent.objects.filter(sequence__gte=one.sequence).order_by("sequence"))
    assert len(stored) == 3
    assert (stored[0].pk, stored[0].canonical, stored[0].hash) == (one.pk, one.canonical, one.hash)
    reference = json.loads(stored[0].canonical)
    for previous, event in itertools.pairwise(stored):
        expected = audit.canonical_bytes(
            {**reference, "sequence": event.sequence, "prev_hash": previous.hash}
        )
        assert event.canonical.encode("utf-8") == expected
        assert event.prev_hash == previous.hash
        assert event.hash == audit.chain_hash(previous.hash, expected)
        for name in columns:
            if name not in {"id", "sequence", "prev_hash", "hash", "canonical"}:
                assert getattr(event, name) == getattr(stored[0], name), name
    assert verify_ledger().ok
