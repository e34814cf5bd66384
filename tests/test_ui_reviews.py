"""Risk reviews in the web UI: the reviews list, a review's page with its completion form, my
queue, the system page's reviews and risk register, and the dashboard. Who sees what (404 for a
review outside their view, 403 with the reason for an action they may not take), that the forms
call the same services and predicates as the API (one audit event, the next review scheduled),
invalid input, CSRF, htmx partials, and flat query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from governance.reviews import findings
from governance.reviews import services as reviews
from governance.reviews.choices import ReviewStatus
from governance.reviews.models import RiskReview
from registry.audit.choices import AuditSource
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import Lifecycle, RiskTier
from tests.api_checks import nothing_written
from tests.conftest import make_user
from tests.governance_support import function_team

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


COMPLETE = {"rating": "medium", "recommendation": "accept", "summary": "Terms reviewed."}


@pytest.fixture
def legal_lead(db):
    return make_user("lex", Role.LEGAL)


@pytest.fixture
def legal_team(db, legal_lead, legal_reviewer):
    return function_team("legal", legal_lead, legal_reviewer)


def open_review(system, function, assignee=None, *, days: float = 3) -> RiskReview:
    """An active review through the service, due ``days`` from now (negative: overdue)."""
    return reviews.review_create(
        actor=None,
        system=system,
        function=function,
        assignee=assignee,
        due_at=timezone.now() + dt.timedelta(days=days),
    )


@pytest.fixture
def review(system, legal_reviewer, legal_team):
    return open_review(system, "legal", legal_reviewer)


def other_system(team, engineer, name: str):
    return services.system_create(
        actor=None,
        owning_team=team,
        name=name,
        purpose="p",
        risk_tier=RiskTier.HIGH,
        lifecycle=Lifecycle.PRODUCTION,
        technical_owner=engineer,
    )


# --- The review page --------------------------------------------------------------------------


def test_assignee_sees_the_review_and_the_completion_form(legal_reviewer, review, system):
    response = client_for(legal_reviewer).get(f"/reviews/{review.pk}/")
    assert response.status_code == 200
    assert response.context["form"] is not None and response.context["refusal"] is None
    html = response.content.decode()
    assert "Legal review of Fraud scoring" in html and "Complete the review" in html
    assert f'href="/systems/{system.slug}/"' in html
    assert '<label for="id_rating">' in html and '<label for="id_summary">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Start this review" in html
    # The assignee is not a manager of legal reviews: no reassign form.
    assert response.context["manage_form"] is None


def test_review_page_shows_the_previous_review_and_the_functions_findings(
    legal_reviewer, legal_lead, review, system, security_reviewer
):
    reviews.review_complete(
        actor=legal_reviewer,
        review=review,
        rating="high",
        recommendation="remediate",
        summary="Consent basis unclear.",
    )
    current = RiskReview.objects.get(previous=review)
    findings.finding_create(
        actor=legal_reviewer,
        system=system,
        review=review,
        title="Consent basis unclear",
        category="privacy",
        inherent_rating="high",
        owner=legal_reviewer,
    )
    findings.finding_create(
        actor=security_reviewer,
        system=system,
        title="Model endpoint lacks rate limiting",
        category="security",
        inherent_rating="medium",
    )
    response = client_for(legal_reviewer).get(f"/reviews/{current.pk}/")
    assert response.status_code == 200
    assert response.context["previous"] == review
    assert [f.title for f in response.context["function_findings"]] == ["Consent basis unclear"]
    assert [f.title for f in response.context["other_findings"]] == [
        "Model endpoint lacks rate limiting"
    ]
    html = response.content.decode()
    assert "Remediate before the next review" in html and "Consent basis unclear." in html


def test_invisible_review_is_404(other_engineer, review):
    # Neither an owner of the system, nor assigned, nor a reader of all risk records.
    assert client_for(other_engineer).get(f"/reviews/{review.pk}/").status_code == 404
    with nothing_written(RiskReview):
        response = client_for(other_engineer).post(f"/reviews/{review.pk}/", COMPLETE)
    assert response.status_code == 404


def test_unknown_review_is_404(legal_reviewer):
    assert client_for(legal_reviewer).get("/reviews/999999/").status_code == 404


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("engineer", "You own this system; its reviews must be done by someone independent."),
        ("security_reviewer", "Only the assignee or a member of the legal function may do"),
        ("executive", "Your roles read reviews; they do not do them."),
    ],
)
def test_who_may_see_but_not_complete_sees_why(request, who, reason, review):
    user = request.getfixturevalue(who)
    response = client_for(user).get(f"/reviews/{review.pk}/")
    assert response.status_code == 200
    assert response.context["form"] is None
    html = response.content.decode()
    assert reason in html.replace("&#x27;", "'") and "Complete the review</button>" not in html


@pytest.mark.parametrize("who", ["engineer", "security_reviewer"])
def test_completing_what_i_may_not_is_403_with_the_reason(request, who, review):
    user = request.getfixturevalue(who)
    with nothing_written(RiskReview):
        response = client_for(user).post(f"/reviews/{review.pk}/", COMPLETE)
        start = client_for(user).post(f"/reviews/{review.pk}/start/")
    assert response.status_code == 403 and start.status_code == 403
    assert "You may not do this" in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN


def test_completing_records_one_event_and_schedules_the_next_review(
    legal_reviewer, review, audit_log
):
    client = client_for(legal_reviewer)
    before = timezone.now()
    response = client.post(f"/reviews/{review.pk}/", COMPLETE)
    assert response.status_code == 302 and response["Location"] == f"/reviews/{review.pk}/"
    review.refresh_from_db()
    assert (review.status, review.rating, review.recommendation, review.completed_by) == (
        ReviewStatus.COMPLETED,
        "medium",
        "accept",
        legal_reviewer,
    )
    event = audit_log.assert_one("governance.review.completed", actor=legal_reviewer)
    assert event.source == AuditSource.UI
    following = RiskReview.objects.get(previous=review)
    assert event.changes["next_review"] == following.pk
    # The high tier re-reviews legal every 180 days; the assignee keeps the function.
    assert following.status == ReviewStatus.OPEN and following.assignee == legal_reviewer
    assert dt.timedelta(days=180) <= following.due_at - before < dt.timedelta(days=180, hours=1)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Completed: rated medium" in html and "The next legal review is due" in html
    assert f'href="/reviews/{following.pk}/"' in html
    assert page.context["form"] is None  # done: no form, and no refusal shown either
    assert 'id="why-not"' not in html


def test_htmx_completion_returns_the_panel(legal_reviewer, review):
    response = client_for(legal_reviewer).post(
        f"/reviews/{review.pk}/", COMPLETE, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="review-panel"' in html and "<html" not in html
    assert 'id="review-status">Completed' in html and "The next legal review is due" in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (COMPLETE | {"rating": "catastrophic"}, "rating"),
        (COMPLETE | {"rating": ""}, "rating"),
        (COMPLETE | {"recommendation": "ignore"}, "recommendation"),
        (COMPLETE | {"summary": ""}, "summary"),
    ],
)
def test_invalid_completion_is_400_and_changes_nothing(legal_reviewer, review, data, field):
    with nothing_written(RiskReview):
        response = client_for(legal_reviewer).post(f"/reviews/{review.pk}/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="errorlist' in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN and review.rating == ""


def test_htmx_invalid_completion_returns_the_panel_with_errors(legal_reviewer, review):
    response = client_for(legal_reviewer).post(
        f"/reviews/{review.pk}/", COMPLETE | {"rating": "bad"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="review-panel"' in html and "<html" not in html and "errorlist" in html


def test_completing_twice_is_refused_and_records_nothing(legal_reviewer, review, audit_log):
    client = client_for(legal_reviewer)
    client.post(f"/reviews/{review.pk}/", COMPLETE)
    audit_log.mark()
    response = client.post(f"/reviews/{review.pk}/", COMPLETE)
    # A finished review: the predicate refuses before the service is asked.
    assert response.status_code == 403 and "The review is completed." in response.content.decode()
    audit_log.assert_none()


def test_a_function_member_starts_an_unassigned_review_and_takes_it(
    legal_reviewer, system, audit_log
):
    review = open_review(system, "legal")
    assert review.assignee is None  # no legal team: nobody by default
    audit_log.mark()
    response = client_for(legal_reviewer).post(f"/reviews/{review.pk}/start/")
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.IN_PROGRESS and review.assignee == legal_reviewer
    audit_log.assert_one("governance.review.started", actor=legal_reviewer)
    again = client_for(legal_reviewer).post(f"/reviews/{review.pk}/start/", follow=True)
    assert "already started" in again.content.decode()
    audit_log.assert_none()


def test_start_needs_post(legal_reviewer, review):
    assert client_for(legal_reviewer).get(f"/reviews/{review.pk}/start/").status_code == 405


# --- Managing reviews -------------------------------------------------------------------------


def test_compliance_reassigns_through_the_service(
    compliance_officer, review, legal_lead, audit_log
):
    client = client_for(compliance_officer)
    page = client.get(f"/reviews/{review.pk}/")
    form = page.context["manage_form"]
    assert form is not None and '<label for="id_assignee">' in page.content.decode()
    due = timezone.localtime(review.due_at).strftime("%Y-%m-%dT%H:%M")
    audit_log.mark()
    response = client.post(
        f"/reviews/{review.pk}/manage/",
        {"etag": form.initial["etag"], "assignee": legal_lead.pk, "due_at": due},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.assignee == legal_lead
    event = audit_log.assert_one("governance.review.updated", actor=compliance_officer)
    assert set(event.changes) == {"assignee"}  # the untouched due date is not a change
    # The form was opened on the old version: a second save with it is refused.
    stale = client.post(
        f"/reviews/{review.pk}/manage/",
        {"etag": form.initial["etag"], "assignee": "", "due_at": due},
    )
    assert stale.status_code == 409 and "nothing was saved" in stale.content.decode()
    audit_log.assert_none()


def test_reassigning_to_an_owner_of_the_system_is_refused_by_the_service(
    compliance_officer, review, teammate, legal_team, audit_log
):
    teammate.groups.add(Group.objects.get(name=Role.LEGAL))
    client = client_for(compliance_officer)
    form = client.get(f"/reviews/{review.pk}/").context["manage_form"]
    due = timezone.localtime(review.due_at).strftime("%Y-%m-%dT%H:%M")
    audit_log.mark()
    response = client.post(
        f"/reviews/{review.pk}/manage/",
        {"etag": form.initial["etag"], "assignee": teammate.pk, "due_at": due},
    )
    assert response.status_code == 400
    assert "cannot review it independently" in response.content.decode()
    audit_log.assert_none()


def test_only_managers_reassign_or_cancel(legal_reviewer, review):
    client = client_for(legal_reviewer)
    assert client.post(f"/reviews/{review.pk}/manage/", {}).status_code == 403
    assert client.post(f"/reviews/{review.pk}/cancel/").status_code == 403
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN


def test_compliance_cancels_a_review(compliance_officer, review, audit_log):
    response = client_for(compliance_officer).post(
        f"/reviews/{review.pk}/cancel/", {"reason": "Opened by mistake."}, follow=True
    )
    assert "The review was cancelled." in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.CANCELLED
    audit_log.assert_one("governance.review.cancelled", actor=compliance_officer)


# --- CSRF -------------------------------------------------------------------------------------


def test_completion_without_csrf_token_is_refused(legal_reviewer, review):
    client = Client(enforce_csrf_checks=True)
    client.force_login(legal_reviewer)
    with nothing_written(RiskReview):
        response = client.post(f"/reviews/{review.pk}/", COMPLETE)
        start = client.post(f"/reviews/{review.pk}/start/")
    assert response.status_code == 403 and start.status_code == 403


def test_completion_with_csrf_token_passes(legal_reviewer, review):
    client = Client(enforce_csrf_checks=True)
    client.force_login(legal_reviewer)
    token = client.get(f"/reviews/{review.pk}/").cookies["csrftoken"].value
    response = client.post(f"/reviews/{review.pk}/", COMPLETE | {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED


# --- The reviews list -------------------------------------------------------------------------


@pytest.fixture
def three_reviews(system, team, engineer, legal_reviewer, legal_lead, legal_team):
    """Legal on Fraud scoring (mine, due in 3 days), security on Fraud scoring (unassigned,
    overdue), legal on Payments risk (the lead's, overdue by longer)."""
    payments = other_system(team, engineer, "Payments risk")
    return {
        "mine": open_review(system, "legal", legal_reviewer, days=3),
        "security": open_review(system, "security", None, days=-1),
        "lead": open_review(payments, "legal", legal_lead, days=-2),
    }


def _pks(client, query: str = "") -> list[int]:
    return [r.pk for r in client.get("/reviews/" + query).context["page"]]


def test_reviews_list_is_overdue_first_and_filters(legal_reviewer, three_reviews, system):
    r = three_reviews
    client = client_for(legal_reviewer)
    assert _pks(client) == [r["lead"].pk, r["security"].pk, r["mine"].pk]
    assert _pks(client, "?mine=true") == [r["mine"].pk]
    assert _pks(client, "?overdue=true") == [r["lead"].pk, r["security"].pk]
    assert _pks(client, "?function=security") == [r["security"].pk]
    assert _pks(client, f"?system={system.pk}") == [r["security"].pk, r["mine"].pk]
    assert _pks(client, "?status=completed") == []
    reviews.review_complete(actor=legal_reviewer, review=r["mine"], **COMPLETE)
    assert _pks(client, "?status=completed") == [r["mine"].pk]
    # Active by default (the next review opened); all statuses on request.
    assert r["mine"].pk not in _pks(client)
    assert r["mine"].pk in _pks(client, "?status=all")
    assert _pks(client, "?function=nonsense") == []


def test_reviews_list_shows_only_what_i_may_see(other_engineer, engineer, three_reviews):
    assert _pks(client_for(other_engineer)) == []
    # The engineer owns both systems: they see their reviews.
    assert len(_pks(client_for(engineer))) == 3


def test_reviews_list_links_each_review(legal_reviewer, three_reviews):
    html = client_for(legal_reviewer).get("/reviews/").content.decode()
    assert f'<a href="/reviews/{three_reviews["mine"].pk}/">Legal review of Fraud scoring' in html
    assert html.count('badge-overdue">Overdue') == 2


def test_reviews_filter_answers_htmx_with_the_results_only(legal_reviewer, three_reviews):
    response = client_for(legal_reviewer).get("/reviews/?mine=true", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Legal review of Fraud scoring" in html and "<html" not in html


def test_reviews_list_query_count_does_not_grow(
    legal_reviewer, team, engineer, legal_team, django_assert_max_num_queries
):
    client = client_for(legal_reviewer)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            other = other_system(team, engineer, f"System {i:02}")
            open_review(other, "legal", legal_reviewer, days=i - 10)

    add(3, 0)
    client.get("/reviews/")
    with django_assert_max_num_queries(15) as few:
        response = client.get("/reviews/")
    assert len(response.context["page"]) == 3
    add(27, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/reviews/?page=2")
    assert response.context["page"].number == 2


# --- My queue and the dashboard ---------------------------------------------------------------


def test_queue_shows_my_reviews_overdue_first(legal_reviewer, three_reviews, security_reviewer):
    r = three_reviews
    items = client_for(legal_reviewer).get("/queue/").context["review_queue"]
    # Mine only: not the lead's, and the unassigned one is security's.
    assert [(i.review.pk, i.overdue) for i in items] == [(r["mine"].pk, False)]
    sec = client_for(security_reviewer).get("/queue/")
    assert [(i.review.pk, i.overdue) for i in sec.context["review_queue"]] == [
        (r["security"].pk, True)
    ]
    html = sec.content.decode()
    assert f'<a href="/reviews/{r["security"].pk}/">Review security for Fraud scoring</a>' in html


def test_queue_orders_overdue_first_and_leaves_out_what_i_may_not_do(
    legal_reviewer, system, team, engineer, teammate
):
    later = open_review(system, "legal", legal_reviewer, days=5)
    payments = other_system(team, engineer, "Payments risk")
    overdue = open_review(payments, "legal", legal_reviewer, days=-1)
    unassigned = open_review(other_system(team, engineer, "Card limits"), "legal", days=-3)
    items = client_for(legal_reviewer).get("/queue/").context["review_queue"]
    assert [(i.review.pk, i.overdue) for i in items] == [
        (unassigned.pk, True),
        (overdue.pk, True),
        (later.pk, False),
    ]
    # A member of legal in the systems' owning team may do none of them: their queue is empty.
    teammate.groups.add(Group.objects.get(name=Role.LEGAL))
    assert client_for(teammate).get("/queue/").context["review_queue"] == []
    assert client_for(engineer).get("/queue/").context["review_queue"] == []


def test_queue_query_count_does_not_grow(
    legal_reviewer, team, engineer, django_assert_max_num_queries
):
    client = client_for(legal_reviewer)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            other = other_system(team, engineer, f"System {i:02}")
            open_review(other, "legal", None if i % 2 else legal_reviewer, days=i - 10)

    add(3, 0)
    client.get("/queue/")
    with django_assert_max_num_queries(15) as few:
        client.get("/queue/")
    add(27, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/queue/")
    assert len(response.context["review_queue"]) == 30


def test_dashboard_counts_my_reviews(legal_reviewer, three_reviews, security_reviewer):
    response = client_for(security_reviewer).get("/")
    assert response.context["queue_total"] == 1 and response.context["overdue_total"] == 1
    assert "Review security for Fraud scoring" in response.content.decode()
    mine = client_for(legal_reviewer).get("/")
    assert mine.context["queue_total"] == 1 and mine.context["overdue_total"] == 0


# --- The system page --------------------------------------------------------------------------


def test_system_page_shows_reviews_and_findings(compliance_officer, legal_reviewer, review, system):
    reviews.review_complete(actor=legal_reviewer, review=review, **COMPLETE)
    findings.finding_create(
        actor=legal_reviewer,
        system=system,
        review=review,
        title="Consent basis unclear",
        category="privacy",
        inherent_rating="high",
        residual_rating="medium",
        owner=legal_reviewer,
        target_date=dt.date(2030, 1, 31),
    )
    response = client_for(compliance_officer).get(f"/systems/{system.slug}/")
    assert response.status_code == 200
    following = RiskReview.objects.get(previous=review)
    assert [r.pk for r in response.context["reviews"]] == [following.pk, review.pk]
    html = response.content.decode()
    assert f'href="/reviews/{review.pk}/"' in html and f'href="/reviews/{following.pk}/"' in html
    assert "Consent basis unclear" in html and "Privacy" in html
    assert "31 Jan 2030" in html and "Lena" in html
    assert "No risk reviews are recorded" not in html


def test_system_page_hides_the_risk_record_from_outsiders(other_engineer, review, system):
    findings.finding_create(
        actor=None,
        system=system,
        title="Secret weakness",
        category="security",
        inherent_rating="high",
    )
    response = client_for(other_engineer).get(f"/systems/{system.slug}/")
    assert response.status_code == 200
    assert response.context["reviews"] == [] and response.context["findings"] == []
    html = response.content.decode()
    assert "Secret weakness" not in html and 'id="risk-need-to-know"' in html


def test_system_page_query_count_does_not_grow_with_reviews(
    compliance_officer, system, team, engineer, legal_team, django_assert_max_num_queries
):
    client = client_for(compliance_officer)
    open_review(system, "legal", None)
    client.get(f"/systems/{system.slug}/")
    with django_assert_max_num_queries(40) as few:
        client.get(f"/systems/{system.slug}/")
    for function in ("security", "privacy", "finance"):
        open_review(system, function, None)
    for n in range(10):
        findings.finding_create(
            actor=None, system=system, title=f"Risk {n}", category="bias", inherent_rating="low"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/systems/{system.slug}/")
    assert len(response.context["reviews"]) == 4 and len(response.context["findings"]) == 10


# --- Navigation -------------------------------------------------------------------------------


def _nav(client) -> list[str]:
    return [item["label"] for item in client.get("/").context["nav"]]


def test_reviews_nav_link_for_reviewers_and_compliance(
    legal_reviewer, compliance_officer, engineer, executive
):
    assert "Reviews" in _nav(client_for(legal_reviewer))
    assert "Reviews" in _nav(client_for(compliance_officer))
    assert "Reviews" not in _nav(client_for(engineer))
    assert "Reviews" not in _nav(client_for(executive))


def test_reviews_pages_send_anonymous_visitors_to_sign_in(review):
    for path in ("/reviews/", f"/reviews/{review.pk}/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
