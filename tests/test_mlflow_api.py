"""Steward's MLflow endpoints at the HTTP level: MLflow's error shapes and status codes,
permissions, the intake system, the audit trail each write leaves, and query ceilings."""

from __future__ import annotations

import base64

import pytest
from django.db import connection
from django.test import override_settings

from governance.approvals.models import ApprovalRequest
from integrations.models import IntakeSystem, ModelVersionTag
from registry.audit.models import AuditEvent
from registry.core.roles import Role
from registry.inventory import services as inventory_services
from registry.inventory.choices import Lifecycle, RiskTier
from registry.inventory.models import AIModel, Deployment, ModelVersion
from registry.people import services
from registry.people.choices import TeamFunction
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

M = "/api/2.0/mlflow"


def mlflow_error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error_code", "message"}, body
    assert body["error_code"] == code, body
    return body["message"]


@pytest.fixture
def mlf(token_client):
    """``mlf(user)`` → a client sending the user's token as ``Bearer``, as MLflow's does."""

    def make(user):
        client = token_client(user)
        header = client._credentials["HTTP_AUTHORIZATION"].replace("Token ", "Bearer ")
        client.credentials(HTTP_AUTHORIZATION=header)
        return client

    return make


def create_model(client, name="fraud-gbm", system=None, **extra):
    tags = [{"key": "steward.system", "value": system.slug}] if system else []
    return client.post(
        f"{M}/registered-models/create", {"name": name, "tags": tags, **extra}, format="json"
    )


def create_version(client, name="fraud-gbm", source="s3://m/1", **extra):
    return client.post(
        f"{M}/model-versions/create", {"name": name, "source": source, **extra}, format="json"
    )


# --- Errors -----------------------------------------------------------------------------------


def test_errors_come_in_mlflows_shape(api, mlf, engineer, system, model):
    client = mlf(engineer)
    mlflow_error(client.get(f"{M}/registered-models/nope"), 404, "ENDPOINT_NOT_FOUND")
    mlflow_error(
        client.post(f"{M}/experiments/create", {}, format="json"), 404, "ENDPOINT_NOT_FOUND"
    )
    message = mlflow_error(client.get(f"{M}/registered-models/get"), 400, "INVALID_PARAMETER_VALUE")
    assert "'name'" in message
    message = mlflow_error(
        client.get(f"{M}/registered-models/get", {"name": "ghost"}), 404, "RESOURCE_DOES_NOT_EXIST"
    )
    assert "ghost" in message
    mlflow_error(
        client.get(f"{M}/model-versions/get", {"name": model.name, "version": "99"}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
    )
    # MLflow's own server answers RESOURCE_ALREADY_EXISTS with 400; so do we.
    mlflow_error(create_model(client, model.name, system), 400, "RESOURCE_ALREADY_EXISTS")
    mlflow_error(
        client.post(f"{M}/registered-models/create", "{not json", content_type="application/json"),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    mlflow_error(
        client.get(f"{M}/registered-models/search", {"filter": "name ~ 'x'"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    mlflow_error(
        client.get(f"{M}/model-versions/search", {"filter": "colour = 'red'"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    mlflow_error(
        client.get(f"{M}/registered-models/search", {"max_results": 5000}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    mlflow_error(
        client.get(f"{M}/registered-models/search", {"page_token": "garbage"}),
        400,
        "INVALID_PARAMETER_VALUE",
    )


def test_authentication_errors_are_mlflow_shaped_401(api, engineer, model):
    response = api().get(f"{M}/registered-models/get", {"name": model.name})
    mlflow_error(response, 401, "UNAUTHENTICATED")
    assert "Bearer" in response["WWW-Authenticate"]
    bad = api()
    bad.credentials(HTTP_AUTHORIZATION="Bearer stw_wrong")
    mlflow_error(
        bad.get(f"{M}/registered-models/get", {"name": model.name}), 401, "UNAUTHENTICATED"
    )


def test_basic_auth_needs_the_token_owners_username(api, engineer, teammate, model):
    _, secret = services.token_create(actor=None, user=engineer, name="basic")

    def basic(username, password):
        client = api()
        raw = base64.b64encode(f"{username}:{password}".encode()).decode()
        client.credentials(HTTP_AUTHORIZATION=f"Basic {raw}")
        return client.get(f"{M}/registered-models/get", {"name": model.name})

    assert basic(engineer.username, secret).status_code == 200
    mlflow_error(basic(teammate.username, secret), 401, "UNAUTHENTICATED")
    mlflow_error(basic(engineer.username, "pw-erin"), 401, "UNAUTHENTICATED")  # a password: no


def test_bad_bodies_and_methods_get_mlflow_errors_and_write_nothing(mlf, engineer, system):
    client = mlf(engineer)
    path = f"{M}/registered-models/create"
    models_before = AIModel.objects.count()

    def post(body, content_type="application/json"):
        return client.generic("POST", path, body, content_type=content_type)

    message = mlflow_error(post(b'{"name": "x",'), 400, "INVALID_PARAMETER_VALUE")
    assert "Malformed JSON" in message
    mlflow_error(post(b'["a list"]'), 400, "INVALID_PARAMETER_VALUE")
    mlflow_error(post(b"[" * 5000 + b"]" * 5000), 400, "INVALID_PARAMETER_VALUE")
    mlflow_error(
        post(b"name=x", "application/x-www-form-urlencoded"), 400, "INVALID_PARAMETER_VALUE"
    )
    with override_settings(STEWARD_MAX_BODY_BYTES=100):
        big = b'{"name": "' + b"x" * 200 + b'"}'
        # 413 in MLflow's shape (MLflow has no code for it; its client retries no 4xx).
        message = mlflow_error(post(big), 413, "INVALID_PARAMETER_VALUE")
        assert "100 bytes" in message
    message = mlflow_error(client.put(path, {"name": "x"}, format="json"), 405, "BAD_REQUEST")
    assert "PUT" in message
    assert AIModel.objects.count() == models_before
    # MLflow's server reads the body as JSON whatever its content type says; so do we.
    body = (
        f'{{"name": "plain-text", "tags": [{{"key": "steward.system", "value": "{system.slug}"}}]}}'
    )
    assert post(body.encode(), "text/plain").status_code == 200


def test_a_signed_in_browser_reads_and_writes_only_with_its_csrf_token(engineer, system, model):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(engineer)
    response = browser.get(f"{M}/registered-models/get", {"name": model.name})
    assert response.status_code == 200, response.content
    body = {"name": model.name, "key": "owner-note", "value": "set from the UI"}
    refused = browser.post(f"{M}/registered-models/set-tag", body, content_type="application/json")
    assert "CSRF" in mlflow_error(refused, 403, "PERMISSION_DENIED")
    assert not model.mlflow_tags.filter(key="owner-note").exists()

    browser.get("/")  # a page sets the CSRF cookie, as the UI's would
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        f"{M}/registered-models/set-tag",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 200, accepted.content
    assert model.mlflow_tags.get(key="owner-note").value == "set from the UI"


def test_ajax_api_prefix_serves_the_same(mlf, engineer, model):
    response = mlf(engineer).get("/ajax-api/2.0/mlflow/registered-models/get", {"name": model.name})
    assert response.status_code == 200
    assert response.json()["registered_model"]["name"] == model.name


# --- Permissions ------------------------------------------------------------------------------


def test_only_owners_write_others_get_permission_denied(
    mlf, engineer, other_engineer, other_team, executive, system, model, version
):
    owner, other, exec_client = mlf(engineer), mlf(other_engineer), mlf(executive)
    before = AuditEvent.objects.count()
    mlflow_error(create_model(other, "sneaky", system), 403, "PERMISSION_DENIED")
    mlflow_error(create_version(other, model.name), 403, "PERMISSION_DENIED")
    mlflow_error(
        other.post(
            f"{M}/registered-models/set-tag",
            {"name": model.name, "key": "k", "value": "v"},
            format="json",
        ),
        403,
        "PERMISSION_DENIED",
    )
    mlflow_error(
        other.post(
            f"{M}/registered-models/alias",
            {"name": model.name, "alias": "challenger", "version": version.version},
            format="json",
        ),
        403,
        "PERMISSION_DENIED",
    )
    mlflow_error(
        other.delete(
            f"{M}/model-versions/delete",
            {"name": model.name, "version": version.version},
            format="json",
        ),
        403,
        "PERMISSION_DENIED",
    )
    mlflow_error(create_model(exec_client, "exec-model", system), 403, "PERMISSION_DENIED")
    assert AuditEvent.objects.count() == before
    # Everyone signed in reads.
    assert other.get(f"{M}/registered-models/get", {"name": model.name}).status_code == 200
    # Nobody deletes a registered model: the record stays.
    message = mlflow_error(
        owner.delete(f"{M}/registered-models/delete", {"name": model.name}, format="json"),
        403,
        "PERMISSION_DENIED",
    )
    assert "cannot be deleted" in message
    assert AIModel.objects.filter(pk=model.pk).exists()


def test_steward_system_tag_cannot_move_a_model(mlf, engineer, team, system, model):
    other_system = inventory_services.system_create(
        actor=None, owning_team=team, name="Other", purpose="x", risk_tier=RiskTier.MINIMAL
    )
    client = mlf(engineer)
    mlflow_error(
        client.post(
            f"{M}/registered-models/set-tag",
            {"name": model.name, "key": "steward.system", "value": other_system.slug},
            format="json",
        ),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    ok = client.post(
        f"{M}/registered-models/set-tag",
        {"name": model.name, "key": "steward.system", "value": system.slug},
        format="json",
    )
    assert ok.status_code == 200
    bad_tag = [{"key": "steward.system", "value": "nope"}]
    mlflow_error(create_model(client, "x", None, tags=bad_tag), 400, "INVALID_PARAMETER_VALUE")


# --- The intake system ------------------------------------------------------------------------


def test_without_a_system_tag_models_land_in_the_teams_intake_system(mlf, engineer, team):
    client = mlf(engineer)
    first = create_model(client, "untagged-1")
    assert first.status_code == 200, first.content
    create_model(client, "untagged-2")
    intake = IntakeSystem.objects.select_related("system").get(team=team)
    system = intake.system
    assert system.name == "Fraud ML intake (needs classification)"
    assert system.owning_team == team
    assert system.lifecycle == Lifecycle.PROPOSED
    assert system.risk_tier == RiskTier.HIGH  # unclassified: strictest approvable tier
    assert "Not yet classified" in system.risk_rationale
    assert set(AIModel.objects.filter(system=system).values_list("name", flat=True)) == {
        "untagged-1",
        "untagged-2",
    }
    assert AuditEvent.objects.filter(action="registry.system.created", object_id=system.pk).count()


def test_intake_needs_exactly_one_team(mlf, engineer, other_engineer, team, other_team):
    lone = make_user("lone", Role.ENGINEER)
    mlflow_error(create_model(mlf(lone), "lonely"), 403, "PERMISSION_DENIED")
    services.team_add_member(actor=other_engineer, team=other_team, user=engineer)
    message = mlflow_error(create_model(mlf(engineer), "ambiguous"), 400, "INVALID_PARAMETER_VALUE")
    assert "steward.system" in message


# --- Versions and the audit trail -------------------------------------------------------------


def test_version_numbers_follow_mlflow_and_each_write_leaves_one_event(
    mlf, engineer, system, model, version, audit_log
):
    client = mlf(engineer)
    audit_log.mark()
    # The fixture's "1.0.0" is not number-shaped: MLflow numbering starts at 1.
    body = create_version(
        client,
        model.name,
        "s3://m/a",
        run_id="r1",
        tags=[{"key": "auc", "value": "0.9"}],
        description="first",
    ).json()["model_version"]
    assert body["version"] == "1" and body["description"] == "first"
    event = audit_log.assert_one("registry.version.created")
    assert event.changes["mlflow.tags"] == {"auc": "0.9"}
    assert event.changes["artifact_uri"] == "s3://m/a" and event.changes["run_id"] == "r1"
    assert create_version(client, model.name, "s3://m/b").json()["model_version"]["version"] == "2"
    audit_log.assert_one("registry.version.created")

    def set_tag(value):
        return client.post(
            f"{M}/model-versions/set-tag",
            {"name": model.name, "version": "2", "key": "k", "value": value},
            format="json",
        )

    assert set_tag("v").status_code == 200
    v2 = ModelVersion.objects.get(model=model, version="2")
    audit_log.assert_one("integrations.version_tag.set", object_id=str(v2.pk))
    set_tag("v")  # the same value again: no change, no event
    audit_log.assert_none()
    assert ModelVersionTag.objects.filter(key="k").count() == 1


def test_stage_transitions_and_archive_existing(mlf, engineer, system, model):
    client = mlf(engineer)
    create_version(client, model.name, "s3://m/1")
    create_version(client, model.name, "s3://m/2")

    def transition(version, stage, archive=False):
        return client.post(
            f"{M}/model-versions/transition-stage",
            {
                "name": model.name,
                "version": version,
                "stage": stage,
                "archive_existing_versions": archive,
            },
            format="json",
        )

    assert transition("1", "staging").json()["model_version"]["current_stage"] == "Staging"
    assert Deployment.objects.get().environment == "staging"
    assert transition("2", "Staging", archive=True).status_code == 200
    latest = client.post(
        f"{M}/registered-models/get-latest-versions", {"name": model.name}, format="json"
    ).json()["model_versions"]
    assert {(v["version"], v["current_stage"]) for v in latest} == {
        ("1", "Archived"),
        ("2", "Staging"),
    }
    mlflow_error(transition("1", "Shipped"), 400, "INVALID_PARAMETER_VALUE")
    mlflow_error(transition("1", "Archived", archive=True), 400, "INVALID_PARAMETER_VALUE")


def test_get_answers_as_search_does(mlf, engineer, system, model):
    """The version read (hand-written SQL) gives the JSON the ORM-built endpoints give."""
    client = mlf(engineer)
    tags = [{"key": "b", "value": "2"}, {"key": "a", "value": "1"}]
    create_version(
        client, model.name, "s3://m/1", run_id="r1", tags=tags, description="d", run_link="l"
    )
    create_version(client, model.name, "s3://m/2")
    for alias in ("zeta", "alpha"):
        client.post(
            f"{M}/registered-models/alias",
            {"name": model.name, "alias": alias, "version": "1"},
            format="json",
        )
    client.post(
        f"{M}/model-versions/transition-stage",
        {"name": model.name, "version": "1", "stage": "Staging"},
        format="json",
    )
    searched = client.get(f"{M}/model-versions/search", {"filter": f"name = '{model.name}'"})
    by_version = {v["version"]: v for v in searched.json()["model_versions"]}
    for number in ("1", "2"):
        got = client.get(f"{M}/model-versions/get", {"name": model.name, "version": number})
        assert got.json()["model_version"] == by_version[number]
    one = by_version["1"]
    assert one["tags"] == [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
    assert one["aliases"] == ["alpha", "zeta"] and one["current_stage"] == "Staging"
    assert one["user_id"] == engineer.username and one["run_link"] == "l"
    # The alias read and the download URI go through the same one-statement read.
    for alias in ("alpha", "zeta"):
        got = client.get(f"{M}/registered-models/alias", {"name": model.name, "alias": alias})
        assert got.json()["model_version"] == one
    uri = client.get(f"{M}/model-versions/get-download-uri", {"name": model.name, "version": "2"})
    assert uri.json() == {"artifact_uri": "s3://m/2"}
    missing = client.get(f"{M}/registered-models/alias", {"name": model.name, "alias": "nope"})
    assert "alias nope not found" in mlflow_error(missing, 404, "RESOURCE_DOES_NOT_EXIST")
    no_model = client.get(f"{M}/registered-models/alias", {"name": "ghost", "alias": "alpha"})
    assert "ghost" in mlflow_error(no_model, 404, "RESOURCE_DOES_NOT_EXIST")
    mlflow_error(
        client.get(f"{M}/registered-models/alias", {"name": model.name}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    client.delete(f"{M}/model-versions/delete", {"name": model.name, "version": "2"}, format="json")
    gone = client.get(f"{M}/model-versions/get", {"name": model.name, "version": "2"})
    mlflow_error(gone, 404, "RESOURCE_DOES_NOT_EXIST")
    gone = client.get(f"{M}/model-versions/get-download-uri", {"name": model.name, "version": "2"})
    mlflow_error(gone, 404, "RESOURCE_DOES_NOT_EXIST")
    client.post(
        f"{M}/registered-models/alias",
        {"name": model.name, "alias": "alpha", "version": "1"},
        format="json",
    )
    client.delete(f"{M}/model-versions/delete", {"name": model.name, "version": "1"}, format="json")
    gone = client.get(f"{M}/registered-models/alias", {"name": model.name, "alias": "alpha"})
    mlflow_error(gone, 404, "RESOURCE_DOES_NOT_EXIST")  # its version is deleted (deprecated)


def test_registered_model_reads_answer_alike_and_hide_deleted_versions_aliases(
    mlf, engineer, system, model, django_assert_num_queries
):
    from integrations.mlflow.mapping import millis

    client = mlf(engineer)
    for i in (1, 2, 3):
        create_version(client, model.name, f"s3://m/{i}")
    client.post(
        f"{M}/model-versions/transition-stage",
        {"name": model.name, "version": "1", "stage": "Staging"},
        format="json",
    )
    for key, value in (("z", "last"), ("a", "first")):
        client.post(
            f"{M}/registered-models/set-tag",
            {"name": model.name, "key": key, "value": value},
            format="json",
        )
    for alias, number in (("old", "3"), ("best", "2")):
        client.post(
            f"{M}/registered-models/alias",
            {"name": model.name, "alias": alias, "version": number},
            format="json",
        )
    client.delete(f"{M}/model-versions/delete", {"name": model.name, "version": "3"}, format="json")

    # The token; the model with its tags and aliases; the latest-version candidates; their rows.
    with django_assert_num_queries(4):
        got = client.get(f"{M}/registered-models/get", {"name": model.name})
    body = got.json()["registered_model"]
    model.refresh_from_db()
    assert body["name"] == model.name and body["description"] == model.description
    assert body["creation_timestamp"] == millis(model.created_at)
    assert body["user_id"] == (model.created_by.username if model.created_by else "")
    assert {"key": "a", "value": "first"} in body["tags"]
    assert {"key": "z", "value": "last"} in body["tags"]
    assert [t["key"] for t in body["tags"]] == sorted(t["key"] for t in body["tags"])
    assert body["aliases"] == [{"alias": "best", "version": "2"}]  # "old" pointed at 3, deleted
    latest = {v["current_stage"]: v["version"] for v in body["latest_versions"]}
    assert latest == {"Staging": "1", "None": "2"}
    searched = client.get(f"{M}/registered-models/search", {"filter": f"name = '{model.name}'"})
    assert searched.json()["registered_models"] == [body]
    mlflow_error(
        client.get(f"{M}/registered-models/get", {"name": "ghost"}), 404, "RESOURCE_DOES_NOT_EXIST"
    )


def test_latest_version_is_the_highest_number_then_the_last_name_in_each_stage(
    mlf, engineer, system, model
):
    # Numbers compare as numbers ("10" after "9") and above any other name; other names compare
    # character by character ("v2" after "V3" and "1.10.0"); a deleted version does not count.
    for number in ("9", "10", "1.10.0", "v2", "V3", "11"):
        inventory_services.version_create(
            actor=None, model=model, version=number, artifact_uri=f"s3://m/{number}"
        )
    client = mlf(engineer)
    client.delete(
        f"{M}/model-versions/delete", {"name": model.name, "version": "11"}, format="json"
    )
    for number in ("1.10.0", "v2", "V3"):
        client.post(
            f"{M}/model-versions/transition-stage",
            {"name": model.name, "version": number, "stage": "Archived"},
            format="json",
        )
    got = client.get(f"{M}/registered-models/get", {"name": model.name})
    latest = {
        v["current_stage"]: v["version"] for v in got.json()["registered_model"]["latest_versions"]
    }
    assert latest == {"None": "10", "Archived": "v2"}
    archived = client.post(
        f"{M}/registered-models/get-latest-versions",
        {"name": model.name, "stages": ["archived"]},
        format="json",
    )
    assert [v["version"] for v in archived.json()["model_versions"]] == ["v2"]


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-12-05T10:41:32+00:00", 1796467292000),  # no fraction: stored without one
        ("2026-12-05T10:41:32.000999+00:00", 1796467292000),  # floored, not rounded
        ("2026-12-05T10:41:32.123456+00:00", 1796467292123),
        ("2026-12-05T10:41:32.999999+00:00", 1796467292999),
        ("1999-12-31T23:59:59.5+00:00", 946684799500),
    ],
)
def test_timestamps_are_computed_by_the_database_as_python_computes_them(
    mlf, engineer, system, model, stamp, expected
):
    import datetime as dt

    from integrations.mlflow.mapping import millis

    client = mlf(engineer)
    create_version(client, model.name, "s3://m/t")
    when = dt.datetime.fromisoformat(stamp)
    assert millis(when) == expected
    ModelVersion.objects.filter(model=model, version="1").update(
        created_at=when, updated_at=when + dt.timedelta(milliseconds=1)
    )
    got = client.get(f"{M}/model-versions/get", {"name": model.name, "version": "1"})
    body = got.json()["model_version"]
    assert body["creation_timestamp"] == expected
    assert body["last_updated_timestamp"] == expected + 1
    searched = client.get(f"{M}/model-versions/search", {"filter": f"name = '{model.name}'"})
    assert searched.json()["model_versions"][0]["creation_timestamp"] == expected


def test_refused_production_alias_is_recorded_not_deployed(mlf, engineer, system, model, version):
    client = mlf(engineer)
    create_version(client, model.name, "s3://m/1")
    response = client.post(
        f"{M}/registered-models/alias",
        {"name": model.name, "alias": "Champion", "version": "1"},
        format="json",
    )
    message = mlflow_error(response, 403, "PERMISSION_DENIED")
    assert "gate" in message and "No approval has been requested" in message
    assert not Deployment.objects.exists()
    refusal = AuditEvent.objects.get(action="governance.gate.refused")
    assert refusal.actor == engineer and refusal.changes["environment"] == "production"
    assert not ApprovalRequest.objects.exists()


@override_settings(STEWARD_MLFLOW_PRODUCTION_ALIASES=["live"])
def test_production_aliases_are_configurable(mlf, engineer, system, model):
    client = mlf(engineer)
    create_version(client, model.name, "s3://m/1")

    def alias(name):
        return client.post(
            f"{M}/registered-models/alias",
            {"name": model.name, "alias": name, "version": "1"},
            format="json",
        )

    assert alias("production").status_code == 200  # no longer special
    mlflow_error(alias("live"), 403, "PERMISSION_DENIED")
    mlflow_error(alias("latest"), 400, "INVALID_PARAMETER_VALUE")  # reserved by MLflow


# --- Query ceilings ---------------------------------------------------------------------------


def test_query_counts_do_not_grow_with_rows(
    mlf, engineer, system, model, django_assert_max_num_queries, django_assert_num_queries
):
    client = mlf(engineer)
    for i in range(3):
        create_version(client, model.name, f"s3://m/{i}", tags=[{"key": "i", "value": str(i)}])
    # The token with its user; the version with its model, user, info, tags and aliases.
    with django_assert_num_queries(2):
        got = client.get(f"{M}/model-versions/get", {"name": model.name, "version": "2"})
    assert got.status_code == 200
    assert got.json()["model_version"]["tags"] == [{"key": "i", "value": "1"}]
    client.post(
        f"{M}/registered-models/alias",
        {"name": model.name, "alias": "candidate", "version": "2"},
        format="json",
    )
    with django_assert_num_queries(2):  # the same for an alias and for a download URI
        got = client.get(f"{M}/registered-models/alias", {"name": model.name, "alias": "candidate"})
    assert got.json()["model_version"]["version"] == "2"
    with django_assert_num_queries(2):
        uri = client.get(
            f"{M}/model-versions/get-download-uri", {"name": model.name, "version": "2"}
        )
    assert uri.json() == {"artifact_uri": "s3://m/1"}
    # The token with its user; the model found by name and locked, with its system; the next
    # number; version_create in a savepoint (roles, one object permission query, the
    # (model, version) check, insert, the ledger's two, three on SQLite); the tags; begin and
    # commit (savepoints here, inside the test's transaction). Not the model again, nor
    # full_clean's queries for the model, the user and the constraint already checked.
    ledger = 2 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(12 + ledger):
        created = create_version(client, model.name, "s3://m/x", tags=[{"key": "a", "value": "b"}])
    assert created.status_code == 200
    for i in range(10):
        create_version(client, model.name, f"s3://m/more-{i}")
    with django_assert_max_num_queries(6):
        found = client.get(f"{M}/model-versions/search", {"filter": f"name = '{model.name}'"})
    assert len(found.json()["model_versions"]) == 14
    with django_assert_max_num_queries(8):
        assert client.get(f"{M}/registered-models/search").status_code == 200


def test_search_pages_with_tokens(mlf, engineer, system, team):
    client = mlf(engineer)
    for i in range(5):
        create_model(client, f"m-{i}", system)
    first = client.get(f"{M}/registered-models/search", {"max_results": 2}).json()
    assert [m["name"] for m in first["registered_models"]] == ["m-0", "m-1"]
    second = client.get(
        f"{M}/registered-models/search", {"max_results": 2, "page_token": first["next_page_token"]}
    ).json()
    assert [m["name"] for m in second["registered_models"]] == ["m-2", "m-3"]
    ordered = client.get(
        f"{M}/registered-models/search", {"order_by": ["name DESC"], "max_results": 1}
    ).json()
    assert ordered["registered_models"][0]["name"] == "m-4"


def test_team_fixture_function_is_engineering(team):
    # The intake tests rely on the fixture team being an engineering team named "Fraud ML".
    assert team.function == TeamFunction.ENGINEERING and team.name == "Fraud ML"
