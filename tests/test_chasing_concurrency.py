"""Races on PostgreSQL: chase runs on several workers at once, and several workers sending the
same notifications at once. Real threads, real connections, real locks: nothing is issued,
audited or emailed twice."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail

from governance.chasing import delivery
from governance.chasing import services as chasing
from governance.chasing.choices import DeliveryStatus
from governance.chasing.models import Notification
from governance.policies.models import Policy
from registry.audit.models import AuditEvent
from registry.audit.verify import verify_chain
from registry.core.roles import Role
from tests.conftest import REQUIRE_SERVICES, make_user
from tests.governance_support import T0, function_team, hours, open_review
from tests.test_approvals_concurrency import run_at_once

pytestmark = [
    pytest.mark.postgres,
    # Skip before the transactional database is set up, not after (conftest's marker check
    # runs once it is): setting it up on SQLite only to skip is wasted work.
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and not REQUIRE_SERVICES,
        reason="needs PostgreSQL: set DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def overdue(system, legal_reviewer, executive):
    """Three overdue reviews of the fixture system, far enough past due (100 h) that each
    chases its assignee, the function's lead and the executive: nine notifications."""
    Policy.objects.filter(risk_tier="high").update(
        reminder_interval_hours=24, escalation_hours=[48, 96]
    )
    leads = {}
    for function in ("legal", "security", "privacy"):
        lead = make_user(f"{function}-lead", Role[function.upper()])
        function_team(function, lead)
        leads[function] = lead
    member = {"legal": legal_reviewer}
    for function in ("security", "privacy"):
        member[function] = make_user(f"{function}-member", Role[function.upper()])
    for function in ("legal", "security", "privacy"):
        open_review(system, function, member[function], due_at=T0)
    return 9


def test_chase_runs_on_four_workers_at_once_issue_each_notification_once(overdue):
    queued: list[list[int]] = []
    with mock.patch.object(delivery, "queue_send", side_effect=queued.append):
        results = run_at_once(4, lambda i: chasing.chase_overdue(now=T0 + hours(100)))
    assert all(isinstance(r, chasing.ChaseResult) for r in results), results
    issued = sorted(pk for r in results for pk in r.issued)
    assert len(issued) == overdue
    assert sum(r.already_issued for r in results) == 3 * overdue
    assert Notification.objects.count() == overdue
    assert AuditEvent.objects.filter(action="governance.notification.issued").count() == overdue
    assert sorted(pk for batch in queued for pk in batch) == issued
    assert verify_chain().ok


def test_four_workers_sending_the_same_notifications_send_each_once(overdue):
    with mock.patch.object(delivery, "queue_send"):
        ids = chasing.chase_overdue(now=T0 + hours(100)).issued
    mail.outbox = []
    now = T0 + hours(100)
    results = run_at_once(4, lambda i: delivery.notifications_send(ids=ids, now=now))
    assert all(isinstance(r, delivery.SendResult) for r in results), results
    assert sorted(pk for r in results for pk in r.sent) == sorted(ids)
    assert len(mail.outbox) == overdue
    assert sorted(m.extra_headers["X-Steward-Notification"] for m in mail.outbox) == sorted(
        Notification.objects.values_list("key", flat=True)
    )
    assert set(Notification.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


def test_a_redelivered_send_after_success_sends_nothing(overdue):
    with mock.patch.object(delivery, "queue_send"):
        ids = chasing.chase_overdue(now=T0 + hours(100)).issued
    mail.outbox = []
    first = delivery.notifications_send(ids=ids, now=T0 + hours(100))
    again = delivery.notifications_send(ids=ids, now=T0 + hours(100) + dt.timedelta(hours=1))
    assert len(first.sent) == overdue and again.sent == [] and again.skipped == overdue
    assert len(mail.outbox) == overdue
