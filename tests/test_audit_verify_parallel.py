"""A parallel walk of the ledger: segments checked in forked worker processes, each on its own
connection, joined into the verdict a sequential walk gives. PostgreSQL, committed data
(``transaction=True``): the workers cannot see a test's open transaction, nor SQLite's in-memory
test database. The joining itself is tested on both databases, in this process, by the tamper
matrix (tests/test_audit_tamper.py)."""

from __future__ import annotations

import pytest
from django.db import transaction

from registry.audit import services as audit
from registry.audit import verify as audit_verify
from registry.audit.verify import verify_chain
from registry.people import services
from registry.people.choices import TeamFunction
from tests import audit_support as attack

EVENTS = 60


@pytest.fixture
def pools(monkeypatch) -> list:
    """Every process pool the walk starts."""
    started: list = []

    class Recorded(audit_verify.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(audit_verify, "ProcessPoolExecutor", Recorded)
    return started


def _ledger() -> None:
    team = services.team_create(actor=None, name="Parallel", function=TeamFunction.DATA)
    for i in range(EVENTS - 1):
        with transaction.atomic():
            audit.record(actor=None, action="test.parallel", obj=team, changes={"i": i})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_verify_the_chain_and_find_what_a_sequential_walk_finds(pools):
    _ledger()
    sequential = verify_chain()
    assert sequential.ok and sequential.count == EVENTS

    parallel = verify_chain(jobs=2, min_segment_events=7)  # 8 segments of 7 or 8 events
    assert len(pools) == 1, "the walk ran in this process, not in workers"
    assert parallel == sequential

    with attack.triggers_lifted():
        attack.edit(23, object_repr="Nothing to see here")  # inside a segment
        attack.rehash(45, object_repr="Nothing to see here")  # breaks the link of 46
    sequential = verify_chain()
    assert sequential.first_bad_sequence == 23
    assert verify_chain(jobs=2, min_segment_events=7) == sequential
    assert len(pools) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_link_broken_at_a_segments_edge_is_found(pools):
    _ledger()
    # Segments of 10 from event 1: 1-10, 11-20, … The event before 31 is re-hashed, so only the
    # join of two segments (whose workers never see each other's rows) can see the broken link.
    with attack.triggers_lifted():
        attack.rehash(30, object_repr="Nothing to see here")
    result = verify_chain(jobs=3, min_segment_events=10)
    assert pools
    assert result.first_bad_sequence == 31
    assert "prev_hash does not match the hash of event 30" in result.reason
    assert result.count == 30
    assert result == verify_chain()


@pytest.mark.django_db
def test_inside_a_transaction_the_walk_stays_in_this_process(pools):
    """Workers would not see what this transaction wrote: the segments are walked here."""
    _ledger()
    result = verify_chain(jobs=2, min_segment_events=7)
    assert result.ok and result.count == EVENTS
    assert pools == []
