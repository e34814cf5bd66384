"""Deployments and incidents over the API: who may record them, bad input, and list cost.
Deployments here go to staging, which needs no approval (production's gate is tested with the
approvals)."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from registry.inventory import services
from registry.inventory.choices import VersionStatus
from registry.inventory.models import Deployment, Incident, ModelVersion
from tests.api_checks import assert_list_queries_flat, nothing_written
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

_n = itertools.count(1)


@pytest.fixture
def deployment(version):
    return services.deployment_create(
        actor=None, model_version=version, environment="staging", endpoint="https://stg/score"
    )


@pytest.fixture
def incident(system, version, engineer):
    return services.incident_create(
        actor=None,
        system=system,
        model_version=version,
        title="False positives spike",
        severity="high",
        owner=engineer,
    )


# --- Deployments: allowed ---------------------------------------------------------------------


def test_engineer_records_staging_deployment(api, engineer, version, audit_log):
    body = check(
        api(engineer).post(
            "/api/v1/deployments/",
            {"model_version": version.pk, "environment": "staging", "endpoint": "https://stg"},
            format="json",
        ),
        201,
    )
    assert body["status"] == "active"
    assert body["deployed_by"] == "erin"
    assert body["system"] == version.model.system_id
    assert body["deployed_at"]
    event = audit_log.assert_one("registry.deployment.created", actor=engineer)
    assert event.changes["model_version.status"] == ["registered", "deployed"]
    version.refresh_from_db()
    assert version.status == VersionStatus.DEPLOYED


def test_teammate_rolls_back_a_deployment(api, teammate, deployment, audit_log):
    body = check(
        api(teammate).patch(
            f"/api/v1/deployments/{deployment.pk}/",
            {"status": "rolled_back", "notes": "latency", "environment": "production"},
            format="json",
        ),
        200,
    )
    assert body["status"] == "rolled_back"
    assert body["environment"] == "staging"  # read-only once recorded
    event = audit_log.assert_one("registry.deployment.updated", actor=teammate)
    assert set(event.changes) == {"status", "notes"}


def test_deployment_filters(api, engineer, deployment, version):
    client = api(engineer)

    def ids(query):
        return [d["id"] for d in check(client.get(f"/api/v1/deployments/?{query}"), 200)["results"]]

    assert ids(f"system={version.model.system_id}") == [deployment.pk]
    assert ids("environment=staging") == [deployment.pk]
    assert ids("environment=production") == []
    assert ids("status=rolled_back") == []
    check(client.get("/api/v1/deployments/?environment=moon"), 400)


# --- Deployments: denied ----------------------------------------------------------------------


def test_anonymous_cannot_touch_deployments(api, deployment):
    check(api().get("/api/v1/deployments/"), 401)
    check(api().get(f"/api/v1/deployments/{deployment.pk}/"), 401)
    check(
        api().post(
            "/api/v1/deployments/",
            {"model_version": deployment.model_version_id, "environment": "staging"},
            format="json",
        ),
        401,
    )


def test_engineer_of_other_team_cannot_record_deployment_of_our_version(
    api, other_engineer, other_team, version
):
    with nothing_written(Deployment):
        resp = api(other_engineer).post(
            "/api/v1/deployments/",
            {"model_version": version.pk, "environment": "staging"},
            format="json",
        )
        check(resp, 403)
    assert error_attrs(resp) == {"model_version"}
    version.refresh_from_db()
    assert version.status == VersionStatus.REGISTERED


def test_engineer_of_other_team_cannot_change_deployment(
    api, other_engineer, other_team, deployment
):
    with nothing_written(Deployment):
        check(
            api(other_engineer).patch(
                f"/api/v1/deployments/{deployment.pk}/", {"status": "retired"}, format="json"
            ),
            403,
        )
    deployment.refresh_from_db()
    assert deployment.status == "active"


@pytest.mark.parametrize("role", ["legal_reviewer", "executive", "auditor"])
def test_reviewers_executives_auditors_cannot_record_deployments(
    request, api, role, version, deployment
):
    client = api(request.getfixturevalue(role))
    with nothing_written(Deployment):
        check(
            client.post(
                "/api/v1/deployments/",
                {"model_version": version.pk, "environment": "staging"},
                format="json",
            ),
            403,
        )
        check(
            client.patch(
                f"/api/v1/deployments/{deployment.pk}/", {"status": "retired"}, format="json"
            ),
            403,
        )
    check(client.get("/api/v1/deployments/"), 200)


# --- Deployments: invalid ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"model_version": 99999}, "model_version"),
        ({"model_version": "1.0.0"}, "model_version"),
        ({"model_version": None}, "model_version"),
        ({"environment": "moon"}, "environment"),
        ({"environment": ""}, "environment"),
        ({"deployed_at": "yesterday"}, "deployed_at"),
        ({"endpoint": ["https://a"]}, "endpoint"),
    ],
)
def test_invalid_deployment_is_refused_naming_the_field(api, engineer, version, data, attr):
    payload = {"model_version": version.pk, "environment": "staging", **data}
    with nothing_written(Deployment, ModelVersion):
        resp = api(engineer).post("/api/v1/deployments/", payload, format="json")
        check(resp, 400)
    assert error_attrs(resp) == {attr}
    version.refresh_from_db()
    assert version.status == VersionStatus.REGISTERED


def test_ended_deployment_cannot_be_reactivated(api, engineer, deployment):
    path = f"/api/v1/deployments/{deployment.pk}/"
    check(api(engineer).patch(path, {"status": "retired"}, format="json"), 200)
    with nothing_written(Deployment):
        resp = api(engineer).patch(path, {"status": "active"}, format="json")
        check(resp, 409)
    assert error_attrs(resp) == {"status"}


def test_bad_deployment_status_is_refused(api, engineer, deployment):
    resp = api(engineer).patch(
        f"/api/v1/deployments/{deployment.pk}/", {"status": "paused"}, format="json"
    )
    check(resp, 400)
    assert error_attrs(resp) == {"status"}


def test_deployment_list_query_count_is_flat(api, engineer, version, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            services.deployment_create(actor=engineer, model_version=version, environment="staging")

    assert_list_queries_flat(
        api(engineer),
        "/api/v1/deployments/",
        django_assert_max_num_queries,
        ceiling=2,
        add_rows=add,
    )


# --- Incidents: allowed -----------------------------------------------------------------------


def test_engineer_opens_incident_on_own_system(api, engineer, system, version, audit_log):
    body = check(
        api(engineer).post(
            "/api/v1/incidents/",
            {
                "system": system.pk,
                "model_version": version.pk,
                "title": "Drift on card-not-present",
                "severity": "medium",
                "owner": "theo",
            },
            format="json",
        ),
        201,
    )
    assert body["status"] == "open"
    assert body["created_by"] == "erin"
    assert body["opened_at"]
    audit_log.assert_one("registry.incident.created", actor=engineer)


def test_teammate_resolves_incident(api, teammate, incident, audit_log):
    resolved = (incident.opened_at + dt.timedelta(hours=3)).isoformat()
    body = check(
        api(teammate).patch(
            f"/api/v1/incidents/{incident.pk}/",
            {"status": "resolved", "resolved_at": resolved},
            format="json",
        ),
        200,
    )
    assert body["status"] == "resolved"
    event = audit_log.assert_one("registry.incident.updated", actor=teammate)
    assert set(event.changes) == {"status", "resolved_at"}


def test_incident_filters(api, engineer, incident, system):
    client = api(engineer)

    def ids(query):
        return [i["id"] for i in check(client.get(f"/api/v1/incidents/?{query}"), 200)["results"]]

    assert ids(f"system={system.pk}") == [incident.pk]
    assert ids("severity=high&severity=critical") == [incident.pk]
    assert ids("status=resolved") == []
    assert ids("search=positives") == [incident.pk]
    check(client.get("/api/v1/incidents/?severity=apocalyptic"), 400)


# --- Incidents: denied ------------------------------------------------------------------------


def test_anonymous_cannot_touch_incidents(api, incident):
    check(api().get("/api/v1/incidents/"), 401)
    check(api().get(f"/api/v1/incidents/{incident.pk}/"), 401)
    check(api().post("/api/v1/incidents/", {}, format="json"), 401)


def test_engineer_of_other_team_cannot_open_incident_on_our_system(
    api, other_engineer, other_team, system
):
    with nothing_written(Incident):
        resp = api(other_engineer).post(
            "/api/v1/incidents/",
            {"system": system.pk, "title": "x", "severity": "low"},
            format="json",
        )
        check(resp, 403)
    assert error_attrs(resp) == {"system"}


def test_engineer_of_other_team_cannot_change_incident(api, other_engineer, other_team, incident):
    with nothing_written(Incident):
        check(
            api(other_engineer).patch(
                f"/api/v1/incidents/{incident.pk}/", {"severity": "low"}, format="json"
            ),
            403,
        )
    incident.refresh_from_db()
    assert incident.severity == "high"


@pytest.mark.parametrize("role", ["legal_reviewer", "executive", "auditor"])
def test_reviewers_executives_auditors_cannot_write_incidents(request, api, role, incident):
    client = api(request.getfixturevalue(role))
    with nothing_written(Incident):
        check(
            client.post(
                "/api/v1/incidents/",
                {"system": incident.system_id, "title": "x", "severity": "low"},
                format="json",
            ),
            403,
        )
        check(
            client.patch(f"/api/v1/incidents/{incident.pk}/", {"severity": "low"}, format="json"),
            403,
        )


# --- Incidents: invalid -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"system": 99999}, "system"),
        ({"system": "fraud-scoring"}, "system"),
        ({"model_version": 99999}, "model_version"),
        ({"title": ""}, "title"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"status": "forgotten"}, "status"),
        ({"owner": "ghost"}, "owner"),
        ({"is_serious": "very"}, "is_serious"),
        ({"opened_at": "last tuesday"}, "opened_at"),
    ],
)
def test_invalid_incident_is_refused_naming_the_field(api, engineer, system, data, attr):
    payload = {"system": system.pk, "title": "Outage", "severity": "high", **data}
    with nothing_written(Incident):
        resp = api(engineer).post("/api/v1/incidents/", payload, format="json")
        check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_incident_on_a_version_of_another_system_is_refused(
    api, engineer, team, system, other_team
):
    other_system = services.system_create(
        actor=None, owning_team=other_team, name="Chatbot", purpose="Chat", risk_tier="limited"
    )
    other_model = services.model_create(actor=None, system=other_system, name="chat-llm")
    foreign = services.version_create(actor=None, model=other_model, version="1")
    with nothing_written(Incident):
        resp = api(engineer).post(
            "/api/v1/incidents/",
            {"system": system.pk, "model_version": foreign.pk, "title": "x", "severity": "low"},
            format="json",
        )
        check(resp, 409)
    assert error_attrs(resp) == {"model_version"}


def test_incident_resolved_before_it_opened_is_refused(api, engineer, system):
    opened = timezone.now()
    with nothing_written(Incident):
        resp = api(engineer).post(
            "/api/v1/incidents/",
            {
                "system": system.pk,
                "title": "Outage",
                "severity": "high",
                "opened_at": opened.isoformat(),
                "resolved_at": (opened - dt.timedelta(days=1)).isoformat(),
            },
            format="json",
        )
        check(resp, 400)
    assert error_attrs(resp) == {"resolved_at"}


def test_incident_list_query_count_is_flat(
    api, engineer, teammate, system, version, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            services.incident_create(
                actor=engineer,
                system=system,
                model_version=version,
                title=f"Incident {next(_n)}",
                severity="low",
                owner=teammate,
            )

    assert_list_queries_flat(
        api(engineer), "/api/v1/incidents/", django_assert_max_num_queries, ceiling=2, add_rows=add
    )


def test_resolving_incident_before_it_opened_is_refused(api, engineer, incident):
    early = (incident.opened_at - dt.timedelta(minutes=5)).isoformat()
    with nothing_written(Incident):
        resp = api(engineer).patch(
            f"/api/v1/incidents/{incident.pk}/",
            {"status": "resolved", "resolved_at": early},
            format="json",
        )
        check(resp, 400)
    assert error_attrs(resp) == {"resolved_at"}
    incident.refresh_from_db()
    assert incident.status == "open"
