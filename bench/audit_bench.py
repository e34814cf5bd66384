"""Benchmark of the audit ledger (a script, not a test).

Builds a ledger of ``--events`` events (default 1,000,000) in a fresh database, then reports:

* ``audit_verify`` throughput (events/s) and peak memory, measured at a tenth of the ledger and at
  the whole ledger, so that "memory is flat in the ledger's length" is visible — walked in this
  process, and in ``--jobs`` worker processes (default: one per CPU) as ``manage.py
  audit_verify`` does by default;
* the extra latency of an audited write: ``services.system_update`` (a real service: lock, change,
  ``full_clean``, save, audit event) against the same call with ``audit.record`` replaced by a
  no-op, p50/p95 over ``--writes`` runs each, interleaved in blocks so drift hits both alike,
  and the CPU time per write of this process and (PostgreSQL) of its server backend, which a
  busy machine disturbs less than wall time.

How the ledger is built: correctly chained events are computed in Python with the same canonical
encoding and hash as ``audit.record`` (``canonical_bytes``, ``chain_hash``) and bulk-inserted with
``executemany`` in batches — a million ``record()`` calls would take many minutes and measure
nothing the write benchmark does not. The events look like real ones (actor, request context,
a few changed fields); the chain verifies like any other.

Usage (from the repository root)::

    .venv/bin/python bench/audit_bench.py          # SQLite, a fresh file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_bench \
        .venv/bin/python bench/audit_bench.py

On PostgreSQL the named database is dropped and recreated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _prepare_database(reuse: bool) -> str:
    """Point Django at a fresh, empty database (or, with ``--reuse``, the one a previous run
    left); return a label for the report."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        folder = Path(tempfile.gettempdir()) / "steward-bench"
        folder.mkdir(exist_ok=True)
        path = folder / "bench.sqlite3"
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} ({path})"
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not (reuse and exists):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
            version = conn.execute("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {version} ({name})"
    raise SystemExit("DATABASE_URL must be empty (SQLite) or postgres://…")


DB_LABEL = _prepare_database(reuse="--reuse" in sys.argv)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production-like: with DEBUG on, Django logs every query, which would dominate the timings.
os.environ["DEBUG"] = "0"
os.environ.setdefault("STEWARD_VAR_DIR", str(Path(tempfile.gettempdir()) / "steward-bench"))

import django

django.setup()

from django.core.management import call_command
from django.db import connection, transaction

from registry.audit import services as audit
from registry.audit.models import GENESIS_HASH, PAYLOAD_FIELDS, AuditChainHead, AuditEvent
from registry.audit.services import canonical_bytes, chain_hash
from registry.audit.verify import Pin, verify_chain
from registry.inventory import services
from registry.inventory.choices import Lifecycle, RiskTier
from registry.inventory.models import AISystem
from registry.people import services as people_services
from registry.people.choices import TeamFunction

_INSERT_COLUMNS = (*PAYLOAD_FIELDS, "hash", "canonical")
_ACTIONS = [
    ("registry.system.updated", "registry.aisystem", "Fraud scoring"),
    ("registry.version.created", "registry.modelversion", "fraud-xgb 1.4.2"),
    ("registry.dataset.updated", "registry.dataset", "s3://lake/transactions/features"),
    ("governance.signoff.recorded", "governance.signoff", "Legal sign-off #812"),
]


class LedgerBuilder:
    """Appends correctly chained synthetic events with ``executemany``, batch by batch."""

    def __init__(self, batch: int = 10_000) -> None:
        self.batch = batch
        # Carry on from whatever the ledger already holds (``--reuse``).
        head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
        self.sequence, self.prev = head or (0, GENESIS_HASH)
        self.start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in _INSERT_COLUMNS)
        marks = ", ".join(["%s"] * len(_INSERT_COLUMNS))
        self.sql = f"INSERT INTO {qn(AuditEvent._meta.db_table)} ({cols}) VALUES ({marks})"

    def _row(self, seq: int) -> tuple:
        action, object_type, label = _ACTIONS[seq % len(_ACTIONS)]
        created = self.start + dt.timedelta(seconds=seq, microseconds=seq % 997)
        changes = {
            "purpose": ["Score card transactions.", f"Score card and wire transfers ({seq})."],
            "lifecycle": ["validation", "production"],
            "monthly_budget": ["1200.00", f"{1200 + seq % 500}.50"],
        }
        payload = {
            "sequence": seq,
            "created_at": audit.to_jsonable(created),
            "actor_id": None,
            "actor_name": f"user{seq % 50} (User {seq % 50})",
            "actor_token": "stw_ab12cd34" if seq % 3 == 0 else "",
            "source": "api",
            "action": action,
            "object_type": object_type,
            "object_id": str(seq % 5000),
            "object_repr": label,
            "changes": changes,
            "request_id": f"{seq:032x}",
            "ip_address": "203.0.113.7",
            "user_agent": "python-requests/2.32",
            "prev_hash": self.prev,
        }
        canonical = canonical_bytes(payload)
        digest = chain_hash(self.prev, canonical)
        self.prev = digest
        stored_created = (
            connection.ops.adapt_datetimefield_value(created)
            if connection.vendor == "sqlite"
            else created
        )
        import json

        return (
            seq,
            stored_created,
            None,
            payload["actor_name"],
            payload["actor_token"],
            "api",
            action,
            object_type,
            payload["object_id"],
            label,
            json.dumps(changes),
            payload["request_id"],
            payload["ip_address"],
            payload["user_agent"],
            payload["prev_hash"],
            digest,
            canonical.decode("utf-8"),
        )

    def grow_to(self, total: int) -> float:
        """Append events until the ledger holds ``total``; return the seconds it took."""
        began = time.perf_counter()
        while self.sequence < total:
            upto = min(total, self.sequence + self.batch)
            rows = [self._row(seq) for seq in range(self.sequence + 1, upto + 1)]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(self.sql, rows)
                AuditChainHead.objects.update_or_create(
                    pk=1, defaults={"sequence": upto, "hash": self.prev}
                )
            self.sequence = upto
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {AuditEvent._meta.db_table}")
        return time.perf_counter() - began


def measure_verify(expected: int, chunk_size: int, since: Pin | None = None, jobs: int = 1) -> dict:
    """Time a verification (wall clock, and CPU time of this process and its workers, which
    other load on the machine disturbs less), then measure its peak memory: tracemalloc's for a
    walk in this process, the peak resident set of the largest worker for a parallel one."""
    gc.collect()
    wall, cpu = time.perf_counter(), _cpu_with_children()
    result = verify_chain(chunk_size=chunk_size, since=since, jobs=jobs)
    wall, cpu = time.perf_counter() - wall, _cpu_with_children() - cpu
    assert result.ok and result.count == expected, result.summary()
    if jobs > 1:
        # Workers are forked from this process, so their peak includes what it held then.
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        memory = f"peak worker RSS {peak / 2**20:.1f} MiB"
    else:
        gc.collect()
        tracemalloc.start()
        verify_chain(chunk_size=chunk_size, since=since)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        memory = f"peak traced memory {peak / 2**20:.1f} MiB"
    return {
        "events": expected,
        "jobs": jobs,
        "seconds": wall,
        "rate": expected / wall,
        "cpu_rate": expected / cpu,
        "memory": memory,
    }


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its finished children (the verify workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_writes(runs: int, block: int = 50) -> dict:
    """p50/p95 latency of ``system_update`` with and without the ledger, interleaved."""
    system = AISystem.objects.filter(slug="bench-system").first()  # from an earlier run
    if system is None:
        team = people_services.team_create(
            actor=None, name="Bench", function=TeamFunction.ENGINEERING
        )
        system = services.system_create(
            actor=None,
            owning_team=team,
            name="Bench system",
            slug="bench-system",
            purpose="Benchmark writes.",
            risk_tier=RiskTier.LIMITED,
            lifecycle=Lifecycle.DEVELOPMENT,
        )
    timings: dict[str, list[float]] = {"audited": [], "unaudited": []}
    # CPU time spent per write: this process's, and on PostgreSQL the server backend's (read
    # from /proc: the server runs on this machine). Other load on the machine stretches wall
    # time far more than CPU time, so these show the ledger's cost when the machine is busy.
    cpu: dict[str, list[float]] = {"audited": [0.0, 0.0], "unaudited": [0.0, 0.0]}
    counter = 0

    def one(kind: str) -> None:
        nonlocal counter
        counter += 1
        began = time.perf_counter()
        services.system_update(actor=None, system=system, data={"cost_centre": f"CC-{counter}"})
        timings[kind].append(time.perf_counter() - began)

    def block_of(kind: str, n: int) -> None:
        client, server = time.process_time(), backend_cpu()
        for _ in range(n):
            one(kind)
        cpu[kind][0] += time.process_time() - client
        cpu[kind][1] += backend_cpu() - server

    for _ in range(20):  # warm up both paths
        one("audited")
    timings["audited"].clear()
    before = AuditEvent.objects.count()
    done = 0
    while done < runs:
        block_of("audited", block)
        with mock.patch.object(audit, "record", lambda **kwargs: None):
            block_of("unaudited", block)
        done += block
    assert AuditEvent.objects.count() == before + done  # only the audited half appended

    def pct(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000

    out = {}
    for kind, values in timings.items():
        out[kind] = {
            "p50": pct(values, 50),
            "p95": pct(values, 95),
            "n": len(values),
            "client_cpu": cpu[kind][0] / len(values) * 1000,
            "server_cpu": cpu[kind][1] / len(values) * 1000,
        }
    out["overhead_p50"] = out["audited"]["p50"] / out["unaudited"]["p50"] - 1
    out["overhead_p95"] = out["audited"]["p95"] / out["unaudited"]["p95"] - 1
    total = {k: out[k]["client_cpu"] + out[k]["server_cpu"] for k in ("audited", "unaudited")}
    out["overhead_cpu"] = total["audited"] / total["unaudited"] - 1
    return out


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (0 on SQLite, whose
    work is this process's own)."""
    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # the server runs elsewhere
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="Worker processes for the parallel walk (default: one per CPU; 1 skips it).",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database of a previous run and grow it."
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    say(f"Database: {DB_LABEL}; Python {sys.version.split()[0]}; Django {django.get_version()}")
    say(f"Load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    builder = LedgerBuilder()
    had = builder.sequence
    built = builder.grow_to(args.events)
    total = AuditEvent.objects.count()  # a reused ledger also holds earlier runs' writes
    say(f"Ledger: {total:,} chained events ({total - had:,} built in {built:.0f} s)")

    # The last tenth alone (anchored on a pin, as incremental checks are), then the whole.
    tail_start = total - total // 10
    tail_hash = AuditEvent.objects.values_list("hash", flat=True).get(sequence=tail_start)
    since = Pin(tail_start, tail_hash, "bench")
    runs = [
        measure_verify(total - tail_start, args.chunk_size, since=since),
        measure_verify(total, args.chunk_size),
    ]
    if args.jobs > 1:
        runs += [
            measure_verify(total - tail_start, args.chunk_size, since=since, jobs=args.jobs),
            measure_verify(total, args.chunk_size, jobs=args.jobs),
        ]
    for m in runs:
        say(
            f"audit_verify {m['events']:>9,} events, {m['jobs']} process"
            f"{'es' if m['jobs'] > 1 else ''}: {m['seconds']:6.2f} s wall, "
            f"{m['rate']:>9,.0f} events/s wall, {m['cpu_rate']:>9,.0f} events/s CPU, "
            f"{m['memory']}"
        )
    writes = measure_writes(args.writes)
    for kind in ("unaudited", "audited"):
        w = writes[kind]
        say(
            f"system_update {kind:>9}: p50 {w['p50']:.3f} ms, p95 {w['p95']:.3f} ms (n={w['n']}); "
            f"CPU per write {w['client_cpu']:.3f} ms here + {w['server_cpu']:.3f} ms server"
        )
    say(
        f"Ledger overhead on a write: p50 {writes['overhead_p50']:+.1%}, "
        f"p95 {writes['overhead_p95']:+.1%}, CPU (both processes) {writes['overhead_cpu']:+.1%}"
    )
    say(f"Process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    say(f"Load average after: {os.getloadavg()[0]:.2f}")


def say(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    main()
