"""Risk reviews through the API: who opens, sees, starts, completes, reassigns and cancels them
(allowed, denied, invalid), completion scheduling the next one, filters, and list cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from governance.reviews import services as reviews
from governance.reviews.models import RiskReview
from registry.audit.models import AuditEvent
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import Lifecycle
from tests.api_checks import assert_list_queries_flat, nothing_written
from tests.conftest import make_user
from tests.governance_support import function_team
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

URL = "/api/v1/reviews/"


@pytest.fixture
def legal_lead(db):
    return make_user("lex", Role.LEGAL)


@pytest.fixture
def legal_team(db, legal_lead, legal_reviewer):
    return function_team("legal", legal_lead, legal_reviewer)


@pytest.fixture
def review(system, legal_reviewer, legal_team):
    return reviews.review_create(
        actor=None,
        system=system,
        function="legal",
        assignee=legal_reviewer,
        due_at=timezone.now() + dt.timedelta(days=3),
    )


def complete(client, review_id, **overrides):
    body = {"rating": "medium", "recommendation": "accept", "summary": "Terms reviewed."}
    return client.post(f"{URL}{review_id}/complete/", body | overrides, format="json")


# --- Opening ----------------------------------------------------------------------------------


def test_compliance_opens_a_review_for_the_function_lead(
    api, compliance_officer, system, legal_team, legal_lead, audit_log
):
    before = timezone.now()
    body = check(
        api(compliance_officer).post(
            URL, {"system": system.pk, "function": "legal"}, format="json"
        ),
        201,
    )
    # No assignee given: the legal team's lead, who is independent of the system.
    assert body["assignee"] == "lex"
    assert body["status"] == "open"
    # No due date given: the high tier's SLA (three days).
    due = dt.datetime.fromisoformat(body["due_at"])
    assert dt.timedelta(days=3) <= due - before < dt.timedelta(days=3, minutes=1)
    event = audit_log.assert_one("governance.review.created", actor=compliance_officer)
    assert event.source == "api"


def test_function_lead_opens_a_review_of_their_function_only(
    api, legal_lead, legal_team, system, legal_reviewer
):
    client = api(legal_lead)
    check(
        client.post(
            URL,
            {"system": system.pk, "function": "legal", "assignee": "lena"},
            format="json",
        ),
        201,
    )
    with nothing_written(RiskReview):
        check(client.post(URL, {"system": system.pk, "function": "security"}, format="json"), 403)


@pytest.mark.parametrize("role", ["engineer", "executive", "auditor", "legal_reviewer"])
def test_others_cannot_open_reviews(request, api, role, system):
    user = request.getfixturevalue(role)
    with nothing_written(RiskReview):
        check(api(user).post(URL, {"system": system.pk, "function": "legal"}, format="json"), 403)


def test_anonymous_cannot_touch_reviews(api, review):
    check(api().get(URL), 401)
    check(api().get(f"{URL}{review.pk}/"), 401)
    check(api().post(URL, {}, format="json"), 401)
    check(complete(api(), review.pk), 401)


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"function": "astrology"}, "function"),
        ({"system": 999999}, "system"),
        ({"system": "x"}, "system"),
        ({"assignee": "nobody-at-all"}, "assignee"),
        ({"due_at": "next tuesday"}, "due_at"),
    ],
)
def test_invalid_review_is_refused_naming_the_field(api, compliance_officer, system, data, attr):
    payload = {"system": system.pk, "function": "legal"} | data
    with nothing_written(RiskReview):
        resp = api(compliance_officer).post(URL, payload, format="json")
    check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_assignee_must_be_an_independent_member_of_the_function(
    api, compliance_officer, system, security_reviewer, engineer
):
    client = api(compliance_officer)
    engineer.groups.add(*engineer.groups.model.objects.filter(name="legal"))
    for username, reason in (("sam", "not a member of the legal function"), ("erin", "owns")):
        with nothing_written(RiskReview):
            resp = client.post(
                URL, {"system": system.pk, "function": "legal", "assignee": username}, format="json"
            )
        check(resp, 400)
        assert error_attrs(resp) == {"assignee"}
        assert reason in resp.json()["errors"][0]["detail"]


def test_one_active_review_per_system_and_function(api, compliance_officer, review, system):
    with nothing_written(RiskReview):
        resp = api(compliance_officer).post(
            URL, {"system": system.pk, "function": "legal"}, format="json"
        )
    check(resp, 409)
    assert error_attrs(resp) == {"function"}


def test_a_retired_system_gets_no_review(api, compliance_officer, system):
    services.system_update(actor=None, system=system, data={"lifecycle": Lifecycle.RETIRED})
    resp = api(compliance_officer).post(
        URL, {"system": system.pk, "function": "legal"}, format="json"
    )
    check(resp, 409)
    assert error_attrs(resp) == {"system"}


# --- Who sees what ----------------------------------------------------------------------------


def test_outsiders_get_404_for_reviews_they_may_not_see(api, review, other_engineer, other_team):
    client = api(other_engineer)
    assert check(client.get(URL), 200)["count"] == 0
    check(client.get(f"{URL}{review.pk}/"), 404)
    with nothing_written(RiskReview):
        check(complete(client, review.pk), 404)
        check(client.post(f"{URL}{review.pk}/start/"), 404)


@pytest.mark.parametrize("role", ["executive", "auditor", "security_reviewer", "engineer"])
def test_readers_and_owners_see_reviews_but_may_not_do_them(request, api, role, review):
    client = api(request.getfixturevalue(role))
    body = check(client.get(f"{URL}{review.pk}/"), 200)
    assert body["may_work"] is False
    assert body["reason"]
    with nothing_written(RiskReview):
        check(complete(client, review.pk), 403)
        check(client.post(f"{URL}{review.pk}/start/"), 403)
        check(
            client.patch(f"{URL}{review.pk}/", {"due_at": "2030-01-01T00:00:00Z"}, format="json"),
            403,
        )
        check(client.post(f"{URL}{review.pk}/cancel/", {}, format="json"), 403)
    review.refresh_from_db()
    assert review.status == "open"


# --- Doing it ---------------------------------------------------------------------------------


def test_assignee_starts_and_completes_and_the_next_review_opens(
    api, legal_reviewer, review, audit_log
):
    client = api(legal_reviewer)
    detail = check(client.get(f"{URL}{review.pk}/"), 200)
    assert detail["may_work"] is True and detail["reason"] is None
    assert check(client.post(f"{URL}{review.pk}/start/"), 200)["status"] == "in_progress"
    audit_log.assert_one("governance.review.started", actor=legal_reviewer)
    check(client.post(f"{URL}{review.pk}/start/"), 409)

    before = timezone.now()
    body = check(complete(client, review.pk, rating="high", recommendation="remediate"), 200)
    assert body["status"] == "completed"
    assert body["completed_by"] == "lena"
    assert body["rating"] == "high"
    following = RiskReview.objects.get(previous=review)
    assert following.status == "open" and following.assignee == legal_reviewer
    # The high tier's legal cadence is 180 days.
    assert dt.timedelta(days=180) <= following.due_at - before < dt.timedelta(days=180, minutes=1)
    event = audit_log.assert_one("governance.review.completed", actor=legal_reviewer)
    assert event.changes["next_review"] == following.pk

    # Done is done.
    with nothing_written(RiskReview):
        check(complete(client, review.pk), 409)


def test_any_independent_member_of_the_function_may_complete(api, legal_lead, review):
    check(complete(api(legal_lead), review.pk), 200)


def test_member_of_another_function_may_not_complete(api, security_reviewer, review):
    resp = complete(api(security_reviewer), review.pk)
    check(resp, 403)
    assert "legal function" in resp.json()["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"rating": "dire"}, "rating"),
        ({"recommendation": "shrug"}, "recommendation"),
        ({"summary": ""}, "summary"),
    ],
)
def test_invalid_completion_is_refused_naming_the_field(api, legal_reviewer, review, data, attr):
    with nothing_written(RiskReview):
        resp = complete(api(legal_reviewer), review.pk, **data)
    check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_compliance_reassigns_with_if_match(api, compliance_officer, legal_lead, review, audit_log):
    client = api(compliance_officer)
    etag = client.get(f"{URL}{review.pk}/")["ETag"]
    check(
        client.patch(f"{URL}{review.pk}/", {"assignee": "lex"}, format="json", HTTP_IF_MATCH=etag),
        200,
    )
    event = audit_log.assert_one("governance.review.updated", actor=compliance_officer)
    assert event.changes["assignee"] == [review.assignee_id, legal_lead.pk]
    # The ETag moved with the change: the old one is stale now.
    with nothing_written(RiskReview):
        check(
            client.patch(
                f"{URL}{review.pk}/", {"assignee": "lena"}, format="json", HTTP_IF_MATCH=etag
            ),
            412,
        )
        resp = client.patch(f"{URL}{review.pk}/", {"assignee": "sam-nobody"}, format="json")
        check(resp, 400)
    review.refresh_from_db()
    assert review.assignee == legal_lead


def test_compliance_cancels_and_chasing_stops(api, compliance_officer, review, audit_log):
    body = check(
        api(compliance_officer).post(
            f"{URL}{review.pk}/cancel/", {"reason": "System redesigned."}, format="json"
        ),
        200,
    )
    assert body["status"] == "cancelled" and body["status_reason"] == "System redesigned."
    audit_log.assert_one("governance.review.cancelled", actor=compliance_officer)
    check(api(compliance_officer).post(f"{URL}{review.pk}/cancel/", {}, format="json"), 409)


def test_history_shows_what_happened_to_a_review(api, legal_reviewer, review, executive):
    check(complete(api(legal_reviewer), review.pk), 200)
    history = check(api(executive).get(f"{URL}{review.pk}/history/"), 200)
    assert [e["action"] for e in history["results"]] == [
        "governance.review.completed",
        "governance.review.created",
    ]


# --- Filters and cost -------------------------------------------------------------------------


def test_review_filters(api, review, legal_reviewer, legal_lead, system, other_team):
    overdue = reviews.review_create(
        actor=None,
        system=system,
        function="security",
        due_at=timezone.now() - dt.timedelta(days=1),
    )
    client = api(legal_reviewer)

    def ids(query: str) -> list[int]:
        return sorted(r["id"] for r in check(client.get(f"{URL}?{query}"), 200)["results"])

    assert ids("mine=true") == [review.pk]
    assert ids("mine=false") == [overdue.pk]
    assert ids("overdue=true") == [overdue.pk]
    assert ids("overdue=true&mine=true") == []
    assert ids("function=legal") == [review.pk]
    assert ids("function=legal&function=security") == sorted([review.pk, overdue.pk])
    assert ids(f"system={system.pk}&status=open") == sorted([review.pk, overdue.pk])
    assert ids("status=completed") == []
    assert ids("assignee=lena") == [review.pk]
    check(client.get(f"{URL}?status=dozing"), 400)
    check(client.get(f"{URL}?function=astrology"), 400)
    assert check(client.get(f"{URL}{overdue.pk}/"), 200)["overdue"] is True


def test_review_list_queries_do_not_grow_with_rows(
    token_client, django_assert_max_num_queries, legal_reviewer, legal_team, team, engineer
):
    functions = ["legal", "security", "privacy", "finance", "compliance"]
    made = []

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = len(made)
            if i % len(functions) == 0:
                made_system = services.system_create(
                    actor=None, owning_team=team, name=f"System {i}", purpose="x", risk_tier="high"
                )
                made.append(made_system)
            else:
                made.append(made[-1])
            reviews.review_create(
                actor=None,
                system=made[-1],
                function=functions[i % len(functions)],
                assignee=legal_reviewer if functions[i % len(functions)] == "legal" else None,
            )

    # The engineer sees them as an owner (the visibility filter is part of the one query). A
    # token client authenticates afresh on each request, as a pipeline does.
    client = token_client(engineer)
    client.get(URL)  # the token's first use records last_used_at: one write, once
    assert_list_queries_flat(client, URL, django_assert_max_num_queries, 8, add_rows)


def test_no_audit_event_for_a_refused_request(api, other_engineer, review):
    before = AuditEvent.objects.count()
    check(complete(api(other_engineer), review.pk), 404)
    assert AuditEvent.objects.count() == before


def test_admin_shows_reviews_findings_and_notifications_read_only(client, admin_user, review):
    client.force_login(admin_user)
    for name in ("riskreview", "riskfinding", "notification"):
        check(client.get(f"/admin/governance/{name}/"), 200)
        check(client.get(f"/admin/governance/{name}/add/"), 403)
    check(client.get(f"/admin/governance/riskreview/{review.pk}/change/"), 200)
