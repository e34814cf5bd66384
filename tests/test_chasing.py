"""Chasing at frozen times: the whole ladder (due, reminder, repeat after the interval, the team
lead, the executive, completion stops it), exactly once however often it runs, sign-offs past
their SLA, incident reports past their deadline, failed sends, and the dry run."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.approvals import services as gov
from governance.chasing import delivery, tasks
from governance.chasing import services as chasing
from governance.chasing.choices import DeliveryStatus
from governance.chasing.models import Notification
from governance.policies.models import Policy
from governance.reviews import services as reviews
from governance.reviews.models import RiskReview
from registry.audit.models import AuditEvent
from registry.audit.verify import verify_chain
from registry.core.roles import Role
from registry.inventory import services
from registry.people import services as people_services
from tests.conftest import make_user
from tests.governance_support import (
    T0,
    function_team,
    hours,
    notes,
    open_review,
    run_task,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ladder(db):
    """The high tier chases daily, escalates to the team lead after 48 h, the executive after
    96 h (distinct from the interval, so every rung shows on its own)."""
    Policy.objects.filter(risk_tier="high").update(
        reminder_interval_hours=24, escalation_hours=[48, 96]
    )


@pytest.fixture
def legal_lead(db):
    return make_user("lex", Role.LEGAL)


@pytest.fixture
def legal_team(db, legal_lead, legal_reviewer):
    return function_team("legal", legal_lead, legal_reviewer)


@pytest.fixture
def review(system, legal_reviewer, legal_team, ladder):
    return open_review(system, "legal", legal_reviewer, due_at=T0)


def chase(at: dt.datetime, *, propagate: bool = True) -> dict:
    return run_task(tasks.chase_overdue, at, propagate=propagate)


def inbox() -> list[tuple[str, str]]:
    """(recipient, subject prefix) of every email sent so far."""
    return [(m.to[0].split("@")[0], m.subject.split(":")[0]) for m in mail.outbox]


# --- The ladder -------------------------------------------------------------------------------


def test_the_whole_ladder_for_an_overdue_review(review, executive):
    # Not yet due: nothing.
    assert chase(T0 - hours(1))["issued"] == 0
    assert chase(T0)["issued"] == 0  # due now is not overdue yet

    # Due: the assignee is reminded once in the first interval.
    assert chase(T0 + hours(1))["issued"] == 1
    assert notes() == [("lena", "reminder", 0)]
    assert inbox() == [("lena", "[Steward] Reminder")]
    assert "legal review" in mail.outbox[0].subject
    assert "the review is assigned to you" in mail.outbox[0].body
    assert chase(T0 + hours(5))["issued"] == 0
    assert chase(T0 + hours(23.9))["issued"] == 0

    # After the interval: reminded again.
    assert chase(T0 + hours(25))["issued"] == 1
    assert notes()[-1] == ("lena", "reminder", 1)

    # Past the first escalation step: the lead of the legal team too.
    assert chase(T0 + hours(49))["issued"] == 2
    assert sorted(notes()[-2:]) == [("lena", "reminder", 2), ("lex", "team_lead", 2)]
    assert ("lex", "[Steward] Escalation") in inbox()
    assert chase(T0 + hours(50))["issued"] == 0

    # Past the second: the system's accountable executive too.
    assert chase(T0 + hours(97))["issued"] == 3
    assert sorted(notes()[-3:]) == [
        ("eve", "executive", 4),
        ("lena", "reminder", 4),
        ("lex", "team_lead", 4),
    ]
    to_eve = next(m for m in mail.outbox if m.to == ["eve@example.com"])
    assert to_eve.subject.startswith("[Steward] Escalation to you")
    assert "accountable executive" in to_eve.body

    # Completion stops it.
    reviews.review_complete(
        actor=review.assignee,
        review=review,
        rating="medium",
        recommendation="accept",
        summary="Contract terms reviewed.",
        now=T0 + hours(98),
    )
    before = len(mail.outbox)
    assert chase(T0 + hours(200))["issued"] == 0
    assert len(mail.outbox) == before
    assert Notification.objects.filter(status=DeliveryStatus.SENT).count() == 7
    # One audit event per notification, and the chain still verifies.
    assert AuditEvent.objects.filter(action="governance.notification.issued").count() == 7
    event = AuditEvent.objects.filter(action="governance.notification.issued").last()
    assert event.source == "task" and event.actor is None
    assert verify_chain().ok


def test_running_twice_issues_and_sends_nothing_twice(review, executive):
    first = chase(T0 + hours(100))
    assert first["issued"] == 3
    second = chase(T0 + hours(100))
    assert second == {"issued": 0, "already_issued": 3, "requeued": 0}
    assert len(mail.outbox) == 3
    assert Notification.objects.count() == 3
    assert AuditEvent.objects.filter(action="governance.notification.issued").count() == 3


def test_a_lead_who_is_also_the_assignee_gets_one_notification(review, legal_lead, executive):
    reviews.review_update(actor=None, review=review, data={"assignee": legal_lead})
    chase(T0 + hours(50))
    assert notes() == [("lex", "team_lead", 2)]


def test_unassigned_review_chases_the_function_then_its_lead(system, legal_team, ladder):
    review = open_review(system, "legal", None, due_at=T0)
    RiskReview.objects.filter(pk=review.pk).update(assignee=None)
    chase(T0 + hours(1))
    # Every independent member of the function, the lead included.
    assert sorted(notes()) == [("lena", "reminder", 0), ("lex", "reminder", 0)]
    assert "no assignee" in mail.outbox[0].body


def test_nobody_in_the_function_goes_to_the_lead_at_once(system, ladder, legal_lead):
    people_services.team_create(
        actor=None, name="Legal", slug="legal", function="legal", lead=legal_lead, members=[]
    )
    legal_lead.groups.clear()  # the lead is no longer in the legal role group
    review = open_review(system, "legal", None, due_at=T0)
    RiskReview.objects.filter(pk=review.pk).update(assignee=None)
    chase(T0 + hours(1))
    assert notes() == [("lex", "team_lead", 0)]


def test_cancelled_and_completed_reviews_are_not_chased(review, system, legal_reviewer):
    reviews.review_cancel(actor=None, review=review, reason="System redesigned.")
    assert chase(T0 + hours(100))["issued"] == 0


# --- Sign-offs past their SLA ------------------------------------------------------------------


@pytest.fixture
def reviewers(db):
    return {f: make_user(f"{f}-rev", f) for f in ["legal", "security", "privacy", "compliance"]}


def test_pending_signoff_past_sla_chases_each_missing_function(
    engineer, version, reviewers, finance_reviewer, executive, ladder
):
    approval = gov.approval_request(
        actor=engineer,
        model_version=version,
        environment="production",
        justification="Retrain.",
        now=T0 - dt.timedelta(days=3),
    )
    assert approval.due_at == T0  # high tier: three days to sign
    for function in ("legal", "security", "privacy"):
        gov.signoff_record(
            actor=reviewers[function],
            approval=approval,
            function=function,
            decision="approve",
            now=T0 - hours(2),
        )
    # The requester and the owning team are never asked; nobody reminds a function that signed.
    make_user("theo-fin", Role.FINANCE).groups.add(*engineer.groups.filter(name__startswith="team"))
    chase(T0 + hours(1))
    assert sorted(notes(kind="signoff")) == [
        ("compliance-rev", "reminder", 0),
        ("finn", "reminder", 0),
    ]
    assert "Missing sign-off from: compliance, finance." in mail.outbox[0].body

    # Once every function signed, the request is decided: nobody is chased any more.
    for user, function in ((reviewers["compliance"], "compliance"), (finance_reviewer, "finance")):
        gov.signoff_record(actor=user, approval=approval, function=function, decision="approve")
    assert chase(T0 + hours(100))["issued"] == 0


def test_signoff_escalates_to_the_missing_functions_leads(
    engineer, version, reviewers, finance_reviewer, executive, ladder
):
    lead = make_user("fiona", Role.FINANCE)
    function_team("finance", lead, finance_reviewer)
    approval = gov.approval_request(
        actor=engineer,
        model_version=version,
        environment="production",
        justification="Retrain.",
        now=T0 - dt.timedelta(days=3),
    )
    for function in ("legal", "security", "privacy", "compliance"):
        gov.signoff_record(
            actor=reviewers[function], approval=approval, function=function, decision="approve"
        )
    chase(T0 + hours(97))
    assert sorted(notes()) == [
        ("eve", "executive", 4),
        ("finn", "reminder", 4),
        ("fiona", "team_lead", 4),
    ]


# --- Incident reports past their deadline ------------------------------------------------------


def test_overdue_serious_incident_report_is_chased_until_reported(
    system, engineer, teammate, executive, ladder
):
    incident = services.incident_create(
        actor=None,
        system=system,
        title="Patient harmed",
        severity="critical",
        owner=teammate,
        is_serious=True,
        serious_category="death",
        opened_at=T0 - dt.timedelta(days=10),
    )
    assert incident.report_due_at == T0
    assert chase(T0 - hours(1))["issued"] == 0
    chase(T0 + hours(49))
    # The owner, then the lead of the owning team (erin leads fraud-ml).
    assert sorted(notes(kind="incident_report")) == [
        ("erin", "team_lead", 2),
        ("theo", "reminder", 2),
    ]
    services.incident_update(actor=None, incident=incident, data={"reported_at": T0 + hours(50)})
    assert chase(T0 + hours(120))["issued"] == 0


# --- Delivery ---------------------------------------------------------------------------------


def test_failed_send_stays_pending_and_is_retried_later_once(review):
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError("mail server down"),
    ):
        # The send task retries (in-process here, at once) and gives up to the hourly re-queue.
        chase(T0 + hours(1), propagate=False)
    note = Notification.objects.get()
    assert note.status == DeliveryStatus.PENDING
    assert note.attempts == 6  # the first try and five retries
    assert "mail server down" in note.last_error
    assert mail.outbox == []

    # The next hourly chase issues nothing new but queues the pending send again.
    result = chase(T0 + hours(2))
    assert result == {"issued": 0, "already_issued": 1, "requeued": 1}
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1
    assert chase(T0 + hours(3))["requeued"] == 0
    assert len(mail.outbox) == 1


def test_a_claimed_or_sent_notification_is_not_sent_again(review):
    chase(T0 + hours(1))
    note = Notification.objects.get()
    # A redelivered task, or a second worker given the same ids: nothing to claim.
    result = delivery.notifications_send(ids=[note.pk, note.pk], now=T0 + hours(1))
    assert result.sent == [] and result.skipped == 1
    assert len(mail.outbox) == 1

    # A claim held by another worker (lease not yet expired) is respected too.
    Notification.objects.filter(pk=note.pk).update(
        status=DeliveryStatus.PENDING, claimed_until=T0 + hours(2), claim_token="other"
    )
    assert delivery.notifications_send(ids=[note.pk], now=T0 + hours(1)).skipped == 1
    # Once the lease has run out (the other worker died), it is sent.
    assert delivery.notifications_send(ids=[note.pk], now=T0 + hours(3)).sent == [note.pk]


def test_recipient_without_email_fails_at_once(review, legal_reviewer):
    legal_reviewer.email = ""
    legal_reviewer.save()
    chase(T0 + hours(1))
    note = Notification.objects.get()
    assert note.status == DeliveryStatus.FAILED
    assert "no email address" in note.last_error


def test_send_gives_up_after_max_attempts(review):
    chase(T0 + hours(1))
    note = Notification.objects.get()
    Notification.objects.filter(pk=note.pk).update(
        status=DeliveryStatus.PENDING, attempts=delivery.MAX_ATTEMPTS - 1
    )
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=OSError("still down"),
    ):
        result = delivery.notifications_send(ids=[note.pk], now=T0 + hours(5))
    assert result.failed == [note.pk]
    note.refresh_from_db()
    assert note.status == DeliveryStatus.FAILED


# --- Cost -------------------------------------------------------------------------------------


def test_a_run_costs_the_same_number_of_reads_whatever_the_number_of_reviews(
    system, legal_reviewer, legal_team, ladder, other_team, executive
):
    def reads(at: dt.datetime) -> int:
        with CaptureQueriesContext(connection) as ctx:
            chasing.chase_overdue(now=at)
        return len(ctx.captured_queries)

    # Steady state (everything already issued): the count does not depend on how many items.
    open_review(system, "legal", legal_reviewer, due_at=T0)
    chasing.chase_overdue(now=T0 + hours(1))
    few = reads(T0 + hours(2))
    for n in range(6):
        other = services.system_create(
            actor=None, owning_team=other_team, name=f"Other {n}", purpose="x", risk_tier="high"
        )
        open_review(other, "legal", legal_reviewer, due_at=T0)
    chasing.chase_overdue(now=T0 + hours(1.5))
    many = reads(T0 + hours(2))
    assert few == many


# --- Dry run ----------------------------------------------------------------------------------


def test_dry_run_prints_who_and_why_and_changes_nothing(review, executive):
    out = StringIO()
    call_command("chase_overdue", "--dry-run", f"--now={(T0 + hours(97)).isoformat()}", stdout=out)
    text = out.getvalue()
    assert "would send: reminder to lena" in text
    assert "would send: team_lead to lex" in text
    assert "would send: executive to eve" in text
    assert "accountable executive" in text
    assert "3 notification(s) would be sent" in text
    assert Notification.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="governance.notification").exists()

    chasing.chase_overdue(now=T0 + hours(97))
    out = StringIO()
    call_command("chase_overdue", "--dry-run", f"--now={(T0 + hours(97)).isoformat()}", stdout=out)
    assert "already sent: reminder to lena" in out.getvalue()
    assert "0 notification(s) would be sent; 3 were sent already" in out.getvalue()


def test_command_chases_under_the_command_source(review):
    with mock.patch("governance.chasing.delivery.queue_send"):
        out = StringIO()
        call_command("chase_overdue", stdout=out)
    assert "Issued" in out.getvalue()
    assert set(
        AuditEvent.objects.filter(action="governance.notification.issued").values_list(
            "source", flat=True
        )
    ) == {"command"}
