"""The risk register through the API: who records and works findings (allowed, denied,
invalid), accepting a risk, closing and reopening, filters, and list cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from governance.reviews import findings
from governance.reviews import services as reviews
from governance.reviews.models import RiskFinding
from registry.inventory import services
from tests.api_checks import assert_list_queries_flat, nothing_written
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

URL = "/api/v1/findings/"


def record(client, on, **overrides):
    """POST a finding on system ``on``; ``overrides`` replace fields of a valid body."""
    body = {
        "system": on.pk,
        "title": "Approval rates differ by postcode",
        "category": "bias",
        "inherent_rating": "high",
        "residual_rating": "medium",
        "mitigation": "Drop the postcode-correlated feature; monitor monthly.",
        "target_date": "2027-02-28",
    }
    return client.post(URL, body | overrides, format="json")


# --- Recording --------------------------------------------------------------------------------


def test_reviewer_records_a_finding_from_a_review(api, privacy_reviewer, system, audit_log):
    review = reviews.review_create(actor=None, system=system, function="privacy")
    audit_log.mark()
    body = check(record(api(privacy_reviewer), system, review=review.pk, owner="erin"), 201)
    assert body["status"] == "open"
    assert body["review"] == review.pk
    assert body["created_by"] == "pia"
    audit_log.assert_one("governance.finding.created", actor=privacy_reviewer)


def test_owners_record_their_own_risks_and_residual_defaults_to_inherent(api, teammate, system):
    body = check(
        api(teammate).post(
            URL,
            {
                "system": system.pk,
                "title": "Cost overrun",
                "category": "cost",
                "inherent_rating": "low",
            },
            format="json",
        ),
        201,
    )
    assert body["residual_rating"] == "low"


@pytest.mark.parametrize("role", ["other_engineer", "executive", "auditor"])
def test_others_cannot_record_findings(request, api, role, system, other_team):
    with nothing_written(RiskFinding):
        resp = record(api(request.getfixturevalue(role)), system)
    check(resp, 403)


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"category": "vibes"}, "category"),
        ({"inherent_rating": "low", "residual_rating": "high"}, "residual_rating"),
        ({"title": ""}, "title"),
        ({"status": "accepted"}, "status"),
        ({"target_date": "soon"}, "target_date"),
        ({"owner": "nobody-at-all"}, "owner"),
        ({"system": 999999}, "system"),
    ],
)
def test_invalid_finding_is_refused_naming_the_field(api, security_reviewer, system, data, attr):
    with nothing_written(RiskFinding):
        resp = record(api(security_reviewer), system, **data)
    check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_a_finding_names_a_review_of_its_own_system(api, security_reviewer, system, other_team):
    other = services.system_create(
        actor=None, owning_team=other_team, name="Other", purpose="x", risk_tier="limited"
    )
    review = reviews.review_create(actor=None, system=other, function="security")
    with nothing_written(RiskFinding):
        resp = record(api(security_reviewer), system, review=review.pk)
    check(resp, 400)
    assert error_attrs(resp) == {"review"}


# --- Working it -------------------------------------------------------------------------------


def test_owner_mitigates_but_only_a_reviewer_accepts_the_risk(
    api, engineer, security_reviewer, finding, audit_log
):
    owner = api(engineer)
    url = f"{URL}{finding.pk}/"
    body = check(
        owner.patch(
            url,
            {
                "status": "mitigating",
                "residual_rating": "low",
                "mitigation": "Auth at the gateway.",
            },
            format="json",
        ),
        200,
    )
    assert body["status"] == "mitigating" and body["residual_rating"] == "low"
    audit_log.assert_one("governance.finding.updated", actor=engineer)

    with nothing_written(RiskFinding):
        resp = owner.patch(url, {"status": "accepted"}, format="json")
    check(resp, 403)
    assert error_attrs(resp) == {"status"}

    check(api(security_reviewer).patch(url, {"status": "accepted"}, format="json"), 200)


def test_closing_stamps_closed_at_and_reopening_clears_it(api, security_reviewer, finding):
    client = api(security_reviewer)
    url = f"{URL}{finding.pk}/"
    before = timezone.now()
    body = check(client.patch(url, {"status": "closed"}, format="json"), 200)
    assert dt.datetime.fromisoformat(body["closed_at"]) >= before
    body = check(client.patch(url, {"status": "open"}, format="json"), 200)
    assert body["closed_at"] is None


def test_stale_if_match_is_refused(api, security_reviewer, finding):
    client = api(security_reviewer)
    url = f"{URL}{finding.pk}/"
    etag = client.get(url)["ETag"]
    check(client.patch(url, {"mitigation": "WAF rule."}, format="json", HTTP_IF_MATCH=etag), 200)
    with nothing_written(RiskFinding):
        check(client.patch(url, {"mitigation": "x"}, format="json", HTTP_IF_MATCH=etag), 412)


def test_residual_above_inherent_is_refused_on_update(api, security_reviewer, finding):
    resp = api(security_reviewer).patch(
        f"{URL}{finding.pk}/", {"residual_rating": "critical"}, format="json"
    )
    check(resp, 400)
    assert error_attrs(resp) == {"residual_rating"}


def test_outsiders_get_404_and_readers_change_nothing(
    api, finding, other_engineer, other_team, executive, auditor
):
    check(api(other_engineer).get(f"{URL}{finding.pk}/"), 404)
    assert check(api(other_engineer).get(URL), 200)["count"] == 0
    with nothing_written(RiskFinding):
        check(
            api(other_engineer).patch(f"{URL}{finding.pk}/", {"status": "closed"}, format="json"),
            404,
        )
    for reader in (executive, auditor):
        check(api(reader).get(f"{URL}{finding.pk}/"), 200)
        with nothing_written(RiskFinding):
            check(
                api(reader).patch(f"{URL}{finding.pk}/", {"status": "closed"}, format="json"), 403
            )


# --- Filters and cost -------------------------------------------------------------------------


def test_finding_filters(api, finding, security_reviewer, engineer, system):
    other = findings.finding_create(
        actor=security_reviewer,
        system=system,
        title="Prompt injection via merchant names",
        category="robustness",
        inherent_rating="medium",
        target_date=dt.date(2020, 1, 1),
    )
    client = api(engineer)

    def ids(query: str) -> list[int]:
        return sorted(r["id"] for r in check(client.get(f"{URL}?{query}"), 200)["results"])

    assert ids("mine=true") == [finding.pk]
    assert ids("category=robustness") == [other.pk]
    assert ids("overdue=true") == [other.pk]
    assert ids("residual_rating=high") == [finding.pk]
    assert ids("open=true") == sorted([finding.pk, other.pk])
    assert ids(f"system={system.pk}&owner=erin") == [finding.pk]
    check(client.get(f"{URL}?category=vibes"), 400)


def test_finding_list_queries_do_not_grow_with_rows(
    token_client, django_assert_max_num_queries, system, security_reviewer, engineer
):
    def add_rows(n: int) -> None:
        for i in range(n):
            findings.finding_create(
                actor=None,
                system=system,
                title=f"Finding {i}",
                category="security",
                inherent_rating="medium",
                owner=engineer,
            )

    client = token_client(security_reviewer)
    client.get(URL)  # the token's first use records last_used_at: one write, once
    assert_list_queries_flat(client, URL, django_assert_max_num_queries, 6, add_rows)
