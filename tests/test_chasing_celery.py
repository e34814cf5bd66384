"""End to end on real Celery: two workers and beat run as subprocesses against Redis on
127.0.0.1, with a two-second chase interval. Beat fires the chase several times; the workers
issue each notification once and email it once (the subprocesses write email to files).

The subprocesses must see the test's data: on PostgreSQL they use the test database itself
(this test commits, ``transaction=True``); on SQLite, whose test database lives in memory, the
test copies it to a file for them and copies it back afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from governance.chasing.choices import DeliveryStatus
from governance.chasing.models import Notification
from registry.audit.models import AuditEvent
from registry.audit.verify import verify_chain
from registry.core.roles import Role
from tests.conftest import REQUIRE_SERVICES, make_user
from tests.governance_support import function_team, open_review

pytestmark = [
    pytest.mark.redis,
    # Skip before the transactional database is set up when no Redis is configured at all
    # (conftest's marker check, which also catches an unreachable one, runs after it).
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis") and not REQUIRE_SERVICES,
        reason="needs Redis: set CELERY_BROKER_URL=redis://… to a reachable server",
    ),
    pytest.mark.django_db(transaction=True),
]


ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))
DEADLINE = 90  # seconds; a healthy run takes about fifteen


def database_url(tmp_path: Path) -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"])
        host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
        return f"postgres://{auth}@{host}/{db['NAME']}"
    path = tmp_path / "shared.sqlite3"
    with sqlite3.connect(path) as target:
        connection.ensure_connection()
        connection.connection.backup(target)
    return f"sqlite:///{path}"


def copy_back(url: str) -> None:
    """SQLite: put what the subprocesses wrote back into the test's in-memory database."""
    if connection.vendor != "sqlite":
        return
    with sqlite3.connect(url.removeprefix("sqlite:///")) as source:
        source.backup(connection.connection)


def emails(maildir: Path) -> list[dict[str, str]]:
    """The messages the file backend wrote: their To and notification key."""
    found = []
    for path in sorted(maildir.glob("*.log")):
        for block in path.read_text().split("-" * 79):
            headers = dict(
                line.split(": ", 1) for line in block.strip().splitlines() if ": " in line
            )
            if "X-Steward-Notification" in headers:
                found.append(headers)
    return found


def count(path: Path, text: str) -> int:
    return path.read_text(errors="replace").count(text) if path.exists() else 0


def start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [CELERY, "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def test_workers_and_beat_chase_once_and_email_once(tmp_path, system, legal_reviewer, executive):
    lead = make_user("lex", Role.LEGAL)
    function_team("legal", lead, legal_reviewer)
    # 100 hours past due on the high tier (daily reminders, escalation after 24 h and 72 h):
    # the assignee, the legal team's lead and the accountable executive are chased.
    open_review(system, "legal", legal_reviewer, due_at=timezone.now() - dt.timedelta(hours=100))

    url = database_url(tmp_path)
    maildir = tmp_path / "mail"
    maildir.mkdir()
    queue = f"steward-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # A queue of its own: nothing else on this Redis takes these tasks or gives others.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_URL": f"filemail:///{maildir}",
        "STEWARD_CHASE_INTERVAL_SECONDS": "2",
        # Prove that beat fires the chase, not the worker's start-up.
        "STEWARD_CHASE_ON_WORKER_START": "0",
        "STEWARD_VAR_DIR": str(tmp_path / "var"),
        "STEWARD_ENV": "development",
    }
    worker = ["worker", "--loglevel=INFO", "--pool=solo", "--without-gossip", "--without-mingle"]
    logs = {name: tmp_path / f"{name}.log" for name in ("worker-a", "worker-b", "beat")}
    processes = [
        start([*worker, "-n", f"a-{queue}@%h"], logs["worker-a"], env),
        start([*worker, "-n", f"b-{queue}@%h"], logs["worker-b"], env),
        start(["beat", "--loglevel=INFO"], logs["beat"], env),
    ]
    try:
        deadline = time.monotonic() + DEADLINE
        # Wait for the three emails, then for beat to fire the chase at least twice more.
        while len(emails(maildir)) < 3 and time.monotonic() < deadline:
            time.sleep(0.5)
        fired = count(logs["beat"], "Sending due task chase-overdue")
        while (
            count(logs["beat"], "Sending due task chase-overdue") < fired + 2
            and time.monotonic() < deadline
        ):
            time.sleep(0.5)
        time.sleep(1)  # let the last chase finish
        dead = [p.args for p in processes if p.poll() is not None]
    finally:
        stop(processes)
        _purge(queue)
    output = "\n".join(f"== {name}\n{log.read_text()[-4000:]}" for name, log in logs.items())
    assert not dead, f"a subprocess exited early\n{output}"
    assert count(logs["beat"], "Sending due task chase-overdue") >= 3, output

    sent = emails(maildir)
    assert sorted(m["To"] for m in sent) == [
        "eve@example.com",
        "lena@example.com",
        "lex@example.com",
    ], output
    assert len({m["X-Steward-Notification"] for m in sent}) == 3

    copy_back(url)
    notes = Notification.objects.order_by("recipient__username")
    assert [(n.recipient.username, n.level, n.status) for n in notes] == [
        ("eve", "executive", DeliveryStatus.SENT),
        ("lena", "reminder", DeliveryStatus.SENT),
        ("lex", "team_lead", DeliveryStatus.SENT),
    ]
    assert {n.attempts for n in notes} == {1}
    events = AuditEvent.objects.filter(action="governance.notification.issued")
    assert events.count() == 3
    assert {e.source for e in events} == {"task"}
    assert verify_chain().ok


def _purge(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(queue, f"{queue}\x06\x163", f"{queue}\x06\x166", f"{queue}\x06\x169")
