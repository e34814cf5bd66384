"""AI systems over the API: who may register and change them, what bad input gets, ETags,
filters, and the cost of the list."""

import itertools

import pytest

from registry.inventory import services
from registry.inventory.choices import RiskTier
from registry.inventory.models import AISystem
from tests.api_checks import assert_list_queries_flat, nothing_written
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

_names = itertools.count(1)


def payload(**overrides):
    data = {
        "name": "Credit decisioning",
        "purpose": "Decide consumer credit applications.",
        "risk_tier": "high",
        "lifecycle": "development",
        "owning_team": "fraud-ml",
    }
    data.update(overrides)
    return data


def url(system):
    return f"/api/v1/systems/{system.pk}/"


# --- Allowed ----------------------------------------------------------------------------------


def test_engineer_registers_system_for_own_team(api, engineer, team, executive, audit_log):
    body = check(
        api(engineer).post(
            "/api/v1/systems/",
            payload(technical_owner="erin", accountable_executive="eve", monthly_budget="99.50"),
            format="json",
        ),
        201,
    )
    assert body["slug"] == "credit-decisioning"
    assert body["owning_team"] == "fraud-ml"
    assert body["technical_owner"] == "erin"
    assert body["created_by"] == "erin"
    assert body["monthly_budget"] == "99.50"
    event = audit_log.assert_one("registry.system.created", actor=engineer, source="api")
    assert event.object_id == str(body["id"])
    assert event.changes["risk_tier"] == "high"


def test_teammate_may_change_the_teams_system(api, teammate, system, audit_log):
    body = check(api(teammate).patch(url(system), {"lifecycle": "validation"}, format="json"), 200)
    assert body["lifecycle"] == "validation"
    event = audit_log.assert_one("registry.system.updated", actor=teammate)
    assert event.changes == {"lifecycle": ["development", "validation"]}


def test_update_that_changes_nothing_records_nothing(api, engineer, system, audit_log):
    check(api(engineer).patch(url(system), {"lifecycle": "development"}, format="json"), 200)
    audit_log.assert_none()


def test_every_signed_in_role_reads_systems(
    api, system, other_engineer, legal_reviewer, executive, auditor
):
    for user in (other_engineer, legal_reviewer, executive, auditor):
        body = check(api(user).get("/api/v1/systems/"), 200)
        assert [s["id"] for s in body["results"]] == [system.pk]
        assert check(api(user).get(url(system)), 200)["name"] == "Fraud scoring"


def test_technical_owner_from_another_team_may_change_the_system(
    api, engineer, other_engineer, other_team, system
):
    check(api(engineer).patch(url(system), {"technical_owner": "olga"}, format="json"), 200)
    body = check(api(other_engineer).patch(url(system), {"vendor": "Acme"}, format="json"), 200)
    assert body["vendor"] == "Acme"


def test_replaced_technical_owner_outside_the_team_loses_the_grant(
    api, engineer, other_engineer, other_team, system
):
    check(api(engineer).patch(url(system), {"technical_owner": "olga"}, format="json"), 200)
    check(api(engineer).patch(url(system), {"technical_owner": "theo"}, format="json"), 200)
    check(api(other_engineer).patch(url(system), {"vendor": "Acme"}, format="json"), 403)


def test_admin_moves_system_to_another_team_and_the_grants_follow(
    api, admin_user, engineer, teammate, other_engineer, other_team, system
):
    body = check(
        api(admin_user).patch(
            url(system), {"owning_team": "support-ai", "technical_owner": "olga"}, format="json"
        ),
        200,
    )
    assert body["owning_team"] == "support-ai"
    check(api(other_engineer).patch(url(system), {"vendor": "Acme"}, format="json"), 200)
    check(api(teammate).patch(url(system), {"vendor": "Other"}, format="json"), 403)
    check(api(engineer).patch(url(system), {"vendor": "Other"}, format="json"), 403)


# --- Denied -----------------------------------------------------------------------------------


def test_anonymous_gets_401_everywhere(api, system):
    client = api()
    for resp in (
        client.get("/api/v1/systems/"),
        client.get(url(system)),
        client.post("/api/v1/systems/", payload(), format="json"),
        client.patch(url(system), {"lifecycle": "validation"}, format="json"),
    ):
        check(resp, 401)
        assert resp.json()["type"] == "client_error"
        assert resp["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("role", ["legal_reviewer", "executive", "auditor"])
def test_reviewers_executives_and_auditors_cannot_create_or_change_systems(
    request, api, role, team, system
):
    client = api(request.getfixturevalue(role))
    with nothing_written(AISystem):
        check(client.post("/api/v1/systems/", payload(), format="json"), 403)
        check(client.patch(url(system), {"lifecycle": "validation"}, format="json"), 403)
        check(client.put(url(system), payload(name="Renamed"), format="json"), 403)
    system.refresh_from_db()
    assert system.lifecycle == "development"


def test_engineer_cannot_register_a_system_for_another_team(api, engineer, team, other_team):
    with nothing_written(AISystem):
        resp = api(engineer).post(
            "/api/v1/systems/", payload(owning_team="support-ai"), format="json"
        )
        check(resp, 403)
    assert error_attrs(resp) == {"owning_team"}


def test_engineer_of_other_team_cannot_change_system(api, other_engineer, other_team, system):
    with nothing_written(AISystem):
        resp = api(other_engineer).patch(url(system), {"lifecycle": "retired"}, format="json")
        check(resp, 403)
    system.refresh_from_db()
    assert system.lifecycle == "development"


def test_engineer_cannot_move_system_to_a_team_they_are_not_in(api, engineer, other_team, system):
    with nothing_written(AISystem):
        resp = api(engineer).patch(url(system), {"owning_team": "support-ai"}, format="json")
        check(resp, 403)
    assert error_attrs(resp) == {"owning_team"}
    system.refresh_from_db()
    assert system.owning_team.slug == "fraud-ml"


def test_unknown_system_is_404(api, engineer, system):
    resp = api(engineer).get("/api/v1/systems/99999/")
    check(resp, 404)
    assert resp.json()["type"] == "client_error"
    check(api(engineer).patch("/api/v1/systems/99999/", {"vendor": "x"}, format="json"), 404)


def test_systems_cannot_be_deleted(api, engineer, system):
    with nothing_written(AISystem):
        check(api(engineer).delete(url(system)), 405)


# --- Invalid ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"purpose": ""}, "purpose"),
        ({"name": None}, "name"),
        ({"risk_tier": "extreme"}, "risk_tier"),
        ({"risk_tier": 3}, "risk_tier"),
        ({"lifecycle": ["production"]}, "lifecycle"),
        ({"owning_team": "nope"}, "owning_team"),
        ({"owning_team": 12}, "owning_team"),
        ({"technical_owner": "ghost"}, "technical_owner"),
        ({"accountable_executive": {"username": "eve"}}, "accountable_executive"),
        ({"monthly_budget": "lots"}, "monthly_budget"),
        ({"monthly_budget": "-5"}, "monthly_budget"),
        ({"monthly_budget": "1" * 20}, "monthly_budget"),
        ({"budget_currency": "EURO"}, "budget_currency"),
        ({"ai_act_role": "importer"}, "ai_act_role"),
        ({"slug": "not a slug!"}, "slug"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_invalid_system_is_refused_naming_the_field(api, engineer, team, overrides, attr):
    with nothing_written(AISystem):
        resp = api(engineer).post("/api/v1/systems/", payload(**overrides), format="json")
        check(resp, 400)
    assert resp.json()["type"] == "validation_error"
    assert error_attrs(resp) == {attr}


def test_missing_required_fields_are_each_named(api, engineer, team):
    with nothing_written(AISystem):
        resp = api(engineer).post("/api/v1/systems/", {}, format="json")
        check(resp, 400)
    assert {"name", "purpose", "risk_tier", "owning_team"} <= error_attrs(resp)


def test_duplicate_slug_is_a_conflict(api, engineer, system):
    with nothing_written(AISystem):
        resp = api(engineer).post("/api/v1/systems/", payload(slug="fraud-scoring"), format="json")
        check(resp, 409)
    assert error_attrs(resp) == {"slug"}


def test_same_name_gets_a_fresh_slug(api, engineer, system):
    body = check(
        api(engineer).post("/api/v1/systems/", payload(name="Fraud scoring"), format="json"), 201
    )
    assert body["slug"] == "fraud-scoring-2"


def test_slug_cannot_change(api, engineer, system):
    with nothing_written(AISystem):
        resp = api(engineer).patch(url(system), {"slug": "renamed"}, format="json")
        check(resp, 409)
    assert error_attrs(resp) == {"slug"}


def test_invalid_update_changes_nothing(api, engineer, system):
    with nothing_written(AISystem):
        resp = api(engineer).patch(
            url(system), {"lifecycle": "production", "risk_tier": "extreme"}, format="json"
        )
        check(resp, 400)
    assert error_attrs(resp) == {"risk_tier"}
    system.refresh_from_db()
    assert system.lifecycle == "development"


# --- ETag / If-Match --------------------------------------------------------------------------


def test_stale_if_match_is_refused_and_current_one_accepted(api, engineer, teammate, system):
    client = api(engineer)
    first = client.get(url(system))
    etag = check(first, 200) and first["ETag"]
    assert etag

    # Someone else changes the system after we read it.
    check(api(teammate).patch(url(system), {"vendor": "Acme"}, format="json"), 200)

    with nothing_written(AISystem):
        resp = client.patch(
            url(system), {"lifecycle": "retired"}, format="json", HTTP_IF_MATCH=etag
        )
        check(resp, 412)
    assert resp.json()["errors"][0]["code"] == "precondition_failed"
    system.refresh_from_db()
    assert system.lifecycle == "development"

    current = client.get(url(system))["ETag"]
    assert current != etag
    resp = client.patch(
        url(system), {"lifecycle": "validation"}, format="json", HTTP_IF_MATCH=current
    )
    check(resp, 200)
    assert resp["ETag"] not in (etag, current)
    assert resp["ETag"] == client.get(url(system))["ETag"]


def test_if_match_star_and_lists_are_understood(api, engineer, system):
    client = api(engineer)
    etag = client.get(url(system))["ETag"]
    check(
        client.patch(url(system), {"vendor": "A"}, format="json", HTTP_IF_MATCH=f'"other", {etag}'),
        200,
    )
    check(client.patch(url(system), {"vendor": "B"}, format="json", HTTP_IF_MATCH="*"), 200)


# --- Filters and list cost --------------------------------------------------------------------


def test_filters_and_search(api, engineer, team, other_team, system):
    services.system_create(
        actor=None,
        owning_team=other_team,
        name="Support assistant",
        purpose="Answer customer questions.",
        risk_tier=RiskTier.LIMITED,
        lifecycle="production",
    )
    client = api(engineer)

    def names(query):
        return [s["name"] for s in check(client.get(f"/api/v1/systems/?{query}"), 200)["results"]]

    assert names("risk_tier=high") == ["Fraud scoring"]
    assert names("risk_tier=high&risk_tier=limited") == ["Fraud scoring", "Support assistant"]
    assert names("lifecycle=production") == ["Support assistant"]
    assert names("owning_team=support-ai") == ["Support assistant"]
    assert names("search=customer") == ["Support assistant"]
    assert names("editable=true") == ["Fraud scoring"]
    assert names("editable=false") == ["Support assistant"]
    resp = client.get("/api/v1/systems/?risk_tier=extreme")
    check(resp, 400)
    assert error_attrs(resp) == {"risk_tier"}


def test_system_list_query_count_is_flat(
    api, engineer, teammate, executive, team, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            services.system_create(
                actor=engineer,
                owning_team=team,
                name=f"System {next(_names)}",
                purpose="p",
                risk_tier=RiskTier.MINIMAL,
                technical_owner=teammate,
                accountable_executive=executive,
            )

    assert_list_queries_flat(
        api(engineer), "/api/v1/systems/", django_assert_max_num_queries, ceiling=2, add_rows=add
    )
