"""Benchmark of chasing (a script, not a test).

Builds ``--reviews`` risk reviews (default 100,000) in a fresh database with ``bulk_create``, of
which ``--overdue`` (default 10,000) are active and past due — spread from 1 to 240 hours, so
every rung of the ladder is reached — and the rest completed history or not yet due. Then:

1. a first run (nothing issued yet) inside a transaction that is rolled back, under
   ``tracemalloc``: peak Python memory, and its query count;
2. the real first run, committed: wall time and query count (``CaptureQueriesContext``);
3. a second run right after (nothing new to issue): wall time and query count;
4. ``--reviews`` more completed reviews added (twice as many reviews, the same overdue ones)
   and a first run again, rolled back: its query count against step 1's shows whether the cost
   follows the number of reviews (it must not).

Emails are queued to Celery's in-memory transport (``memory://``): the run's own work is measured,
not a broker's. Queries are counted as Django sends them. The run inserts its notifications in
one statement per 10,000 (``governance.bulk``) and their audit events with
``registry.audit.record_many`` (on PostgreSQL one ``jsonb_to_recordset`` statement per 5,000; on
SQLite ``executemany``, counted once per call of up to 5,000 rows). Each run also reports its
CPU time: this process's and, on PostgreSQL, its server backend's (other load on the machine
stretches wall time far more than CPU time). The memory run counts its queries without keeping
their text: with client-side binding a statement's text holds its whole JSON document.

Usage (from the repository root)::

    .venv/bin/python bench/chase_bench.py                       # SQLite, fresh file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/steward_chase_bench \\
        .venv/bin/python bench/chase_bench.py

On PostgreSQL the named database is dropped and recreated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _prepare_database() -> str:
    """Point Django at a fresh, empty database; return a label for the report."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        folder = Path(tempfile.gettempdir()) / "steward-bench"
        folder.mkdir(exist_ok=True)
        path = folder / "chase.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return f"SQLite ({path})"
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
            version = conn.execute("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {version} ({name})"
    raise SystemExit("DATABASE_URL must be empty (SQLite) or postgres://…")


DB_LABEL = _prepare_database()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Production-like: with DEBUG on, Django keeps every query, which would dominate the timings.
os.environ["DEBUG"] = "0"
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ.setdefault("STEWARD_VAR_DIR", str(Path(tempfile.gettempdir()) / "steward-bench"))

import django

django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from governance.chasing import bulk
from governance.chasing import services as chasing
from governance.chasing.models import Notification
from governance.policies.choices import ReviewFunction
from governance.reviews.choices import ReviewStatus
from governance.reviews.models import RiskReview
from registry.core.roles import Role
from registry.inventory.choices import Lifecycle, RiskTier
from registry.inventory.models import AISystem
from registry.people import services
from registry.people.choices import TeamFunction

User = get_user_model()
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
FUNCTIONS = list(ReviewFunction.values)
BATCH = 5000
REPEAT = 3


class Rollback(Exception):
    """Raised to undo a measured run."""


def build(*, reviews: int, overdue: int, seed: int = 7) -> None:
    """Users, teams, systems and reviews, with bulk_create (only the teams go through their
    service: they own auth groups and grants)."""
    rng = random.Random(seed)
    password = "!"  # unusable: nobody signs in here
    User.objects.bulk_create(
        [
            User(username=f"eng{i}", email=f"eng{i}@example.com", password=password)
            for i in range(20)
        ]
        + [
            User(username=f"{f}{i}", email=f"{f}{i}@example.com", password=password)
            for f in FUNCTIONS
            for i in range(20)
        ]
        + [
            User(username=f"exec{i}", email=f"exec{i}@example.com", password=password)
            for i in range(10)
        ]
    )
    by_name = {u.username: u for u in User.objects.all()}
    for role in FUNCTIONS:
        Group.objects.get(name=role).user_set.add(*[by_name[f"{role}{i}"] for i in range(20)])
    Group.objects.get(name=Role.EXECUTIVE).user_set.add(*[by_name[f"exec{i}"] for i in range(10)])
    team = services.team_create(
        actor=None,
        name="Platform",
        slug="platform",
        function=TeamFunction.ENGINEERING,
        lead=by_name["eng0"],
        members=[by_name[f"eng{i}"] for i in range(20)],
    )
    for function in FUNCTIONS:
        services.team_create(
            actor=None,
            name=f"{function} office",
            slug=f"{function}-office",
            function=function,
            lead=by_name[f"{function}0"],
            members=[by_name[f"{function}{i}"] for i in range(20)],
        )
    # One active review per system and function: enough systems for the overdue ones and as many
    # again not yet due; the rest of the reviews are completed history.
    n_systems = -(-overdue * 5 // 4 // len(FUNCTIONS))
    systems = AISystem.objects.bulk_create(
        [
            AISystem(
                name=f"System {i}",
                slug=f"system-{i}",
                purpose="Benchmark",
                risk_tier=RiskTier.HIGH,
                lifecycle=Lifecycle.PRODUCTION,
                owning_team=team,
                technical_owner=by_name[f"eng{i % 20}"],
                accountable_executive=by_name[f"exec{i % 10}"],
            )
            for i in range(n_systems)
        ],
        batch_size=BATCH,
    )
    rows: list[RiskReview] = []
    slots = [(s, f) for s in systems for f in FUNCTIONS]
    for k, (system, function) in enumerate(slots):
        assignee = by_name[f"{function}{rng.randrange(20)}"]
        if k < overdue:
            due = NOW - dt.timedelta(hours=rng.uniform(1, 240))
        else:
            due = NOW + dt.timedelta(days=rng.uniform(1, 90))
        rows.append(RiskReview(system=system, function=function, assignee=assignee, due_at=due))
    history = reviews - len(rows)
    for k in range(history):
        system, function = slots[k % len(slots)]
        done = NOW - dt.timedelta(days=rng.uniform(100, 2000))
        rows.append(
            RiskReview(
                system=system,
                function=function,
                assignee=by_name[f"{function}{rng.randrange(20)}"],
                due_at=done,
                status=ReviewStatus.COMPLETED,
                completed_at=done,
                rating="low",
                recommendation="accept",
                summary="History.",
            )
        )
    for start in range(0, len(rows), BATCH):
        with transaction.atomic():
            RiskReview.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)


def add_history(count: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    active = list(
        RiskReview.objects.filter(status=ReviewStatus.OPEN).values_list(
            "system_id", "function", "assignee_id"
        )
    )
    rows = []
    for k in range(count):
        system_id, function, assignee_id = active[k % len(active)]
        done = NOW - dt.timedelta(days=rng.uniform(100, 2000))
        rows.append(
            RiskReview(
                system_id=system_id,
                function=function,
                assignee_id=assignee_id,
                due_at=done,
                status=ReviewStatus.COMPLETED,
                completed_at=done,
                rating="low",
                recommendation="accept",
                summary="History.",
            )
        )
    for start in range(0, len(rows), BATCH):
        with transaction.atomic():
            RiskReview.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)


def _summary(result: chasing.ChaseResult, seconds: float, queries: int, cpu=(0.0, 0.0)) -> dict:
    return {
        "seconds": seconds,
        "queries": queries,
        "issued": len(result.issued),
        "already": result.already_issued,
        "cpu": cpu[0],
        "server_cpu": cpu[1],
    }


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (0 on SQLite, or when
    the server runs on another machine)."""
    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_committed() -> dict:
    """One chase run, as the hourly task does it: wall and CPU time, queries, notifications."""
    gc.collect()
    with CaptureQueriesContext(connection) as queries:
        started, cpu, server = time.perf_counter(), time.process_time(), backend_cpu()
        result = chasing.chase_overdue(now=NOW)
        seconds = time.perf_counter() - started
        cpu, server = time.process_time() - cpu, backend_cpu() - server
    return _summary(result, seconds, len(queries.captured_queries), (cpu, server))


def run_rolled_back(*, memory: bool = False) -> dict:
    """One chase run as the first one (nothing issued yet), inside a transaction that is then
    rolled back, leaving the database as it was. Its queries include the savepoint's two.
    With ``memory``, the peak of Python allocations during the run (tracemalloc)."""
    gc.collect()
    try:
        with transaction.atomic():
            Notification.objects.all().delete()
            count = [0]

            def counted(execute, sql, params, many, context):
                count[0] += 1
                return execute(sql, params, many, context)

            if memory:
                tracemalloc.start()
            with connection.execute_wrapper(counted):
                started = time.perf_counter()
                result = chasing.chase_overdue(now=NOW)
                seconds = time.perf_counter() - started
            out = _summary(result, seconds, count[0])
            if memory:
                out["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            raise Rollback(out)
    except Rollback as undone:
        return undone.args[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--overdue", type=int, default=10_000)
    args = parser.parse_args()

    print(f"Database: {DB_LABEL}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build(reviews=args.reviews, overdue=args.overdue)
    total = RiskReview.objects.count()
    print(
        f"Built {total:,} reviews ({args.overdue:,} overdue) in "
        f"{time.perf_counter() - started:.1f} s"
    )

    if connection.vendor == "sqlite":
        # Fold the build's write-ahead log into the database first: the runs measured should not
        # pay for checkpointing what the build wrote.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    mem = run_rolled_back(memory=True)
    print(
        f"Peak memory of one run (tracemalloc, rolled back): {mem['peak_mib']:.1f} MiB; "
        f"{mem['queries']} queries"
    )
    # The first run, three times: each after removing what the previous one issued (its audit
    # events stay, as they would). The median is the figure; all three are shown.
    firsts = []
    for _ in range(REPEAT):
        Notification.objects.all().delete()
        firsts.append(run_committed())
    first = sorted(firsts, key=lambda r: r["seconds"])[REPEAT // 2]
    each = ", ".join(f"{r['seconds']:.2f}" for r in firsts)
    print(
        f"First run: {first['seconds']:.2f} s (median of {each}), {first['queries']} queries, "
        f"{first['issued']:,} notifications issued (each audited, emails queued after commit); "
        f"CPU {first['cpu']:.2f} s here + {first['server_cpu']:.2f} s server; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    seconds = [run_committed() for _ in range(REPEAT)]
    second = sorted(seconds, key=lambda r: r["seconds"])[REPEAT // 2]
    print(
        f"Second run: {second['seconds']:.2f} s (median of {REPEAT}), {second['queries']} "
        f"queries, {second['issued']} issued, {second['already']:,} already issued"
    )
    assert Notification.objects.count() == first["issued"]

    add_history(total)
    doubled = run_rolled_back()
    print(
        f"A first run at {RiskReview.objects.count():,} reviews (same overdue, rolled back): "
        f"{doubled['queries']} queries (at {total:,}: {mem['queries']}), "
        f"{doubled['seconds']:.2f} s, {doubled['issued']:,} notifications"
    )
    print(
        f"Reads per run: {second['queries']} (fixed); writes: the inserts above, one "
        f"statement per {bulk.ROWS_PER_STATEMENT:,} notifications, audit events by "
        "audit.record_many, and the audit chain head."
    )


if __name__ == "__main__":
    main()
