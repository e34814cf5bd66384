"""The governance part of the demo (``manage.py seed_demo``, or ``seed_governance_demo``, kept
for compatibility): idempotent, audited as a command, and it gives the worker's first chase
something to email."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings

from governance.approvals import selectors as ui_selectors
from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest
from governance.chasing import tasks
from governance.chasing.models import Notification
from governance.reviews.models import RiskFinding, RiskReview
from registry.audit.models import AuditChainHead, AuditEvent
from registry.audit.verify import verify_chain
from registry.inventory.models import AISystem, Deployment
from tests.governance_support import run_task

pytestmark = pytest.mark.django_db


def seed(command: str = "seed_governance_demo") -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo() -> str:
    return seed("seed_demo")


def test_reviews_findings_and_approvals_through_services_and_audited(demo):
    assert "Demo data loaded" in demo
    for kind in (
        "4 overdue reviews",
        "1 open reviews",
        "1 completed reviews (each opened its successor)",
        "2 findings",
        "4 approved approval requests",
        "1 pending approval requests",
        "1 expired approval requests",
        "1 invalidated approval requests",
    ):
        assert kind in demo
    assert "chase_overdue --dry-run" in demo
    assert RiskReview.objects.filter(status="open").count() == 5  # 3 overdue, successor, 1 due
    assert RiskReview.objects.filter(status="in_progress").count() == 1
    assert RiskReview.objects.filter(status="completed").count() == 1
    assert RiskFinding.objects.count() == 2
    statuses = Counter(ApprovalRequest.objects.values_list("status", flat=True))
    assert statuses == {
        ApprovalStatus.APPROVED: 4,
        ApprovalStatus.PENDING: 1,
        ApprovalStatus.EXPIRED: 1,
        ApprovalStatus.INVALIDATED: 1,
    }
    governance = AuditEvent.objects.filter(action__startswith="governance.")
    # Six reviews opened, one started, one completed; two findings; seven requests with nine
    # sign-offs; one expiry and one invalidation.
    assert governance.count() == 6 + 1 + 1 + 2 + 7 + 9 + 1 + 1
    # The three approved after the fact were re-deployed through the gate, linked to approvals.
    assert Deployment.objects.filter(approval_link__isnull=False).count() == 3
    assert set(governance.values_list("source", flat=True)) == {"command"}
    assert verify_chain().ok


def test_second_run_changes_nothing(demo):
    head = AuditChainHead.objects.get()
    for command in ("seed_governance_demo", "seed_demo"):
        assert seed(command).startswith("Demo data already loaded: nothing to do.\n")
        assert AuditChainHead.objects.get().sequence == head.sequence


def test_the_first_chase_emails_the_overdue_and_the_second_sends_nothing(demo):
    assert run_task(tasks.chase_overdue, None)["issued"] == 8
    recipients = sorted(m.to[0].split("@")[0] for m in mail.outbox)
    assert recipients == ["claire", "daniel", "grace", "grace", "hannah", "ines", "ines", "viktor"]
    assert run_task(tasks.chase_overdue, None)["issued"] == 0
    assert len(mail.outbox) == 8
    assert Notification.objects.filter(status="sent").count() == 8


def test_the_compatibility_command_alone_loads_the_whole_demo(db):
    # It used to refuse without the organisation (then seeded by seed_demo alone); it now runs
    # the same seeding as seed_demo, organisation included.
    assert "Demo data loaded" in seed()
    assert AISystem.objects.count() == 20
    assert RiskReview.objects.count() == 7
    assert ApprovalRequest.objects.count() == 7
    assert seed("seed_demo").startswith("Demo data already loaded: nothing to do.")


@override_settings(PRODUCTION=True)
def test_refuses_in_production(db):
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not AuditEvent.objects.exists()


def test_the_map_flags_every_deliberate_gap_of_the_demo(demo, api):
    from django.contrib.auth import get_user_model

    daniel = get_user_model().objects.get(username="daniel")
    body = api(daniel).get("/api/v1/accountability-map/").json()
    gaps = {s["slug"]: {g["code"] for g in s["gaps"]} for s in body["systems"]}
    # One system (or more) for each gap the demo organisation was given on purpose.
    assert "no_owner" in gaps["marketing-copy-generator"]
    assert "approval_invalidated" in gaps["marketing-copy-generator"]
    assert "owner_inactive" in gaps["code-assistant"]
    assert "over_budget" in gaps["code-assistant"]
    assert "over_budget" in gaps["customer-support-assistant"]
    assert "no_executive" in gaps["transaction-categorisation"]
    assert "approval_expired" in gaps["aml-transaction-monitoring"]
    assert "reporting_clock" in gaps["credit-decisioning"]
    assert "review_overdue" in gaps["cv-screening"]
    assert "no_cost_centre" in gaps["savings-rate-pricing"]
    assert "unapproved_production" in gaps["card-fraud-scoring"]
    # ... and the systems approved and re-deployed through the gate have none.
    for slug in ("kyc-document-ocr", "sanctions-name-screening", "atm-cash-demand-forecast"):
        assert gaps[slug] == set(), slug


def test_requests_and_reviews_are_dated_when_the_demo_says_they_were_made(demo):
    # The demo records a history (requested days ago, signed since): each request and review is
    # dated by its creation event, so no request was approved before it was made and the
    # dashboard's lead time is a real one.
    created = dict(
        AuditEvent.objects.filter(action="governance.approval.requested").values_list(
            "object_id", "created_at"
        )
    )
    for approval in ApprovalRequest.objects.all():
        assert approval.created_at == created[str(approval.pk)], approval
        assert approval.decided_at is None or approval.created_at < approval.decided_at
    opened = RiskReview.objects.filter(previous__isnull=True)
    assert opened.count() >= 6
    for review in opened:
        assert review.created_at < review.due_at, review
    lead_time = ui_selectors.approval_lead_time()
    assert dt.timedelta(0) < lead_time < dt.timedelta(days=10)
