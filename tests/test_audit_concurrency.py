"""Concurrent writers lose nothing: appends are serialised on the chain head row, so eight
threads appending at once leave one gapless, unforked chain (PostgreSQL: real concurrency)."""

from __future__ import annotations

import itertools
import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from registry.audit import services as audit
from registry.audit.choices import AuditSource
from registry.audit.models import AuditEvent
from registry.audit.verify import verify_ledger
from registry.people import services
from registry.people.choices import TeamFunction

WRITERS = 8
EVENTS = 2000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_writers_append_2000_events_with_no_fork_and_no_gap():
    team = services.team_create(actor=None, name="Load", function=TeamFunction.ENGINEERING)
    start = AuditEvent.objects.count()
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            with audit.audit_context(source=AuditSource.TASK, request_id=f"writer-{n}"):
                for i in range(EVENTS // WRITERS):
                    with transaction.atomic():
                        audit.record(
                            actor=None,
                            action="test.load.appended",
                            obj=team,
                            changes={"writer": n, "i": i},
                        )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors

    rows = list(
        AuditEvent.objects.order_by("sequence").values_list("sequence", "prev_hash", "hash")
    )
    total = start + EVENTS
    assert [r[0] for r in rows] == list(range(1, total + 1)), "gap or duplicate"
    forks = sum(1 for prev, row in itertools.pairwise(rows) if row[1] != prev[2])
    assert forks == 0
    assert len({r[1] for r in rows}) == total  # no two events share a predecessor
    per_writer = Counter(
        AuditEvent.objects.filter(action="test.load.appended").values_list("request_id", flat=True)
    )
    assert per_writer == {f"writer-{n}": EVENTS // WRITERS for n in range(WRITERS)}
    result = verify_ledger()
    assert result.ok, result.summary()
    assert result.count == total
