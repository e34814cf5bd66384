"""``schedule_reviews`` (daily) opens the next review of every production system whose last
completed review in a required function is older than the policy's cadence — once — and
``expire_approvals`` (daily) wraps the approvals service. Run as Celery tasks at frozen times."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.approvals import services as gov
from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest
from governance.chasing import tasks
from governance.reviews import services as reviews
from governance.reviews.models import RiskReview
from registry.audit.models import AuditEvent
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import Lifecycle
from tests.conftest import make_user
from tests.governance_support import T0, function_team, run_task

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def production(system):
    """The high-risk fixture system, in production. Its policy: legal, security, privacy,
    compliance and finance review it every 180, 90, 180, 90 and 365 days."""
    return services.system_update(
        actor=None, system=system, data={"lifecycle": Lifecycle.PRODUCTION}
    )


@pytest.fixture
def security_lead(db):
    lead = make_user("sec-lead", Role.SECURITY)
    function_team("security", lead)
    return lead


def complete_at(system, function, at, reviewer):
    review = reviews.review_create(actor=None, system=system, function=function, now=at)
    RiskReview.objects.filter(pk=review.pk).update(assignee=reviewer)
    return reviews.review_complete(
        actor=reviewer,
        review=review,
        rating="low",
        recommendation="accept",
        summary="Fine.",
        now=at,
    )


def test_a_never_reviewed_production_system_gets_one_review_per_function_once(
    production, security_lead
):
    assert run_task(tasks.schedule_reviews, T0) == {"opened": 5}
    opened = RiskReview.objects.filter(system=production, status="open")
    assert sorted(opened.values_list("function", flat=True)) == [
        "compliance",
        "finance",
        "legal",
        "privacy",
        "security",
    ]
    # Due after the tier's SLA (three days); the security lead takes the security review.
    assert {r.due_at for r in opened} == {T0 + 3 * DAY}
    assert opened.get(function="security").assignee == security_lead
    assert opened.get(function="legal").assignee is None
    events = AuditEvent.objects.filter(action="governance.review.scheduled")
    assert events.count() == 5
    assert {e.source for e in events} == {"task"}
    assert events.first().changes["reason"] == "never reviewed"

    # Once: the second run (the same day, or beat firing twice) opens nothing.
    assert run_task(tasks.schedule_reviews, T0) == {"opened": 0}
    assert run_task(tasks.schedule_reviews, T0 + 2 * DAY) == {"opened": 0}
    assert RiskReview.objects.count() == 5


def test_a_review_older_than_its_cadence_is_opened_again(
    production, security_reviewer, legal_reviewer, privacy_reviewer, finance_reviewer,
    compliance_officer,
):  # fmt: skip
    people = {
        "legal": legal_reviewer,
        "security": security_reviewer,
        "privacy": privacy_reviewer,
        "finance": finance_reviewer,
        "compliance": compliance_officer,
    }
    for function, reviewer in people.items():
        complete_at(production, function, T0, reviewer)
    # Completion opened each next review already; cancel them, as if nobody had planned one.
    for review in RiskReview.objects.filter(status="open"):
        reviews.review_cancel(actor=None, review=review, now=T0)

    # Within every cadence: nothing to open.
    assert run_task(tasks.schedule_reviews, T0 + 89 * DAY) == {"opened": 0}
    # Security and compliance review every 90 days.
    assert run_task(tasks.schedule_reviews, T0 + 91 * DAY) == {"opened": 2}
    assert set(RiskReview.objects.filter(status="open").values_list("function", flat=True)) == {
        "security",
        "compliance",
    }
    event = AuditEvent.objects.filter(action="governance.review.scheduled").last()
    assert "cadence 90 days" in event.changes["reason"]
    assert run_task(tasks.schedule_reviews, T0 + 92 * DAY) == {"opened": 0}
    # Legal and privacy after 180 days, finance after 365.
    assert run_task(tasks.schedule_reviews, T0 + 181 * DAY) == {"opened": 2}
    assert run_task(tasks.schedule_reviews, T0 + 366 * DAY) == {"opened": 1}


def test_systems_not_in_production_are_not_scheduled(system):
    assert system.lifecycle == Lifecycle.DEVELOPMENT
    assert run_task(tasks.schedule_reviews, T0) == {"opened": 0}


def test_completion_opens_the_next_review_by_cadence(production, security_reviewer):
    done = complete_at(production, "security", T0, security_reviewer)
    following = RiskReview.objects.get(previous=done)
    assert following.due_at == T0 + 90 * DAY
    assert following.assignee == security_reviewer
    # The scheduler sees the active review and leaves the function alone.
    run_task(tasks.schedule_reviews, T0 + DAY)
    assert RiskReview.objects.filter(system=production, function="security").count() == 2


def test_expire_approvals_task_expires_unused_approvals(engineer, version, executive):
    approval = gov.approval_request(
        actor=engineer, model_version=version, environment="staging", justification="Try."
    )
    ApprovalRequest.objects.filter(pk=approval.pk).update(
        status=ApprovalStatus.APPROVED, expires_at=T0
    )
    assert run_task(tasks.expire_approvals, T0 - DAY) == {"expired": 0}
    assert run_task(tasks.expire_approvals, T0 + DAY) == {"expired": 1}
    assert run_task(tasks.expire_approvals, T0 + DAY) == {"expired": 0}
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.EXPIRED
    event = AuditEvent.objects.get(action="governance.approval.expired")
    assert event.source == "task"


def test_the_beat_schedule_has_every_governance_task(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["chase-overdue"]["task"] == "governance.chase_overdue"
    assert schedule["chase-overdue"]["schedule"] == dt.timedelta(hours=1)
    assert schedule["schedule-reviews"]["schedule"] == dt.timedelta(days=1)
    assert schedule["expire-approvals"]["schedule"] == dt.timedelta(days=1)
    assert schedule["audit-checkpoint"]["task"] == "registry.audit_checkpoint"
    for name in ("chase_overdue", "schedule_reviews", "expire_approvals", "send_notifications"):
        task = getattr(tasks, name)
        assert task.acks_late is True
        assert task.time_limit and task.soft_time_limit
        assert task.max_retries == 5
