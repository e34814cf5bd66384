"""MLflow's own client (``mlflow-skinny``'s ``MlflowClient``) against a live Steward: register,
tag, alias, search — and be refused the ``production`` alias until the version is approved."""

from __future__ import annotations

import time

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException

from governance.approvals import services as gov
from registry.audit.models import AuditEvent
from registry.inventory.choices import Environment
from registry.inventory.models import AIModel, Deployment, ModelVersion
from registry.people import services
from tests.conftest import make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Stages are deprecated in MLflow but still in its client, and Steward serves them.
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]


@pytest.fixture
def live_server(django_db_setup, live_server):
    """pytest-django's live server, set up after (so torn down before) the test database: its
    thread's connection would otherwise keep PostgreSQL from dropping the database."""
    return live_server


HIGH_FUNCTIONS = ["legal", "security", "privacy", "compliance", "finance"]


@pytest.fixture
def mlflow_env(monkeypatch):
    """Fail fast: MLflow's client otherwise retries 5xx answers for minutes."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
    for name in ("MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def client_for(live_server, mlflow_env, user) -> MlflowClient:
    _, secret = services.token_create(actor=None, user=user, name="mlflow")
    mlflow_env.setenv("MLFLOW_TRACKING_TOKEN", secret)
    return MlflowClient(tracking_uri=live_server.url, registry_uri=live_server.url)


def approve_for_production(version: ModelVersion, requester, reviewers) -> None:
    approval = gov.approval_request(
        actor=requester,
        model_version=version,
        environment=Environment.PRODUCTION,
        justification="Shadow run clean for two weeks.",
    )
    for function in approval.required_functions:
        gov.signoff_record(
            actor=reviewers[function], approval=approval, function=function, decision="approve"
        )


def test_mlflow_client_registers_tags_searches_and_is_gated(
    live_server, mlflow_env, engineer, system
):
    client = client_for(live_server, mlflow_env, engineer)

    rm = client.create_registered_model(
        "fraud-gbm",
        tags={"steward.system": system.slug, "team": "fraud"},
        description="Gradient-boosted fraud scorer",
    )
    assert rm.name == "fraud-gbm"
    assert rm.tags == {"steward.system": system.slug, "team": "fraud"}
    assert AIModel.objects.get(name="fraud-gbm").system == system

    v1 = client.create_model_version(
        "fraud-gbm", "s3://models/fraud-gbm/1", run_id="abc123", tags={"auc": "0.91"}
    )
    v2 = client.create_model_version("fraud-gbm", "s3://models/fraud-gbm/2", description="v2")
    assert (v1.version, v2.version) == ("1", "2")
    assert v1.status == "READY" and v1.current_stage == "None"
    assert v1.run_id == "abc123" and v1.tags == {"auc": "0.91"}
    assert v2.description == "v2"
    stored = ModelVersion.objects.get(model__name="fraud-gbm", version="1")
    assert stored.artifact_uri == "s3://models/fraud-gbm/1" and stored.run_id == "abc123"
    assert stored.registered_by == engineer

    client.set_registered_model_tag("fraud-gbm", "owner", "erin")
    client.delete_registered_model_tag("fraud-gbm", "team")
    client.set_model_version_tag("fraud-gbm", "2", "validated", "yes")
    client.delete_model_version_tag("fraud-gbm", "1", "auc")
    client.update_registered_model("fraud-gbm", description="Fraud scorer, GBM")
    client.update_model_version("fraud-gbm", "1", description="first cut")
    client.set_registered_model_alias("fraud-gbm", "challenger", "2")

    rm = client.get_registered_model("fraud-gbm")
    assert rm.tags == {"steward.system": system.slug, "owner": "erin"}
    assert rm.description == "Fraud scorer, GBM"
    assert rm.aliases == {"challenger": "2"}
    mv2 = client.get_model_version("fraud-gbm", "2")
    assert mv2.tags == {"validated": "yes"} and mv2.aliases == ["challenger"]
    assert client.get_model_version_by_alias("fraud-gbm", "challenger").version == "2"
    assert client.get_model_version("fraud-gbm", "1").description == "first cut"
    assert client.get_model_version_download_uri("fraud-gbm", "2") == "s3://models/fraud-gbm/2"

    found = client.search_registered_models(filter_string="name LIKE 'fraud-%'")
    assert [m.name for m in found] == ["fraud-gbm"]
    assert client.search_registered_models(filter_string="tags.owner = 'erin'")[0].name == (
        "fraud-gbm"
    )
    versions = client.search_model_versions("name = 'fraud-gbm'")
    assert sorted(v.version for v in versions) == ["1", "2"]
    assert [v.version for v in client.search_model_versions("run_id = 'abc123'")] == ["1"]
    latest = client.get_latest_versions("fraud-gbm", stages=["None"])
    assert [v.version for v in latest] == ["2"]

    # Renaming keeps the record; the old name is gone.
    client.rename_registered_model("fraud-gbm", "fraud-gbm-v")
    assert client.get_registered_model("fraud-gbm-v").name == "fraud-gbm-v"
    with pytest.raises(RestException) as missing:
        client.get_registered_model("fraud-gbm")
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    # Deleting a version deprecates it in Steward; MLflow clients no longer see it.
    client.delete_model_version("fraud-gbm-v", "1")
    assert ModelVersion.objects.get(model__name="fraud-gbm-v", version="1").status == "deprecated"
    with pytest.raises(RestException) as gone:
        client.get_model_version("fraud-gbm-v", "1")
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    # The history of every change is in the ledger, under the model and its versions.
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "registry.model.created",
        "registry.version.created",
        "integrations.model_tag.set",
        "integrations.model_tag.deleted",
        "integrations.version_tag.set",
        "integrations.version_tag.deleted",
        "integrations.version.described",
        "integrations.alias.set",
        "registry.model.updated",
        "registry.version.updated",
    } <= actions


def test_production_alias_is_refused_until_approved_then_deploys(
    live_server, mlflow_env, engineer, system
):
    reviewers = {f: make_user(f"{f}-rev", f) for f in HIGH_FUNCTIONS}
    client = client_for(live_server, mlflow_env, engineer)
    client.create_registered_model("fraud-gbm", tags={"steward.system": system.slug})
    client.create_model_version("fraud-gbm", "s3://models/fraud-gbm/1")

    with pytest.raises(MlflowException) as refused:
        client.set_registered_model_alias("fraud-gbm", "production", "1")
    assert refused.value.error_code == "PERMISSION_DENIED"
    assert "No approval has been requested" in refused.value.message
    with pytest.raises(MlflowException) as stage_refused:
        client.transition_model_version_stage("fraud-gbm", "1", "Production")
    assert stage_refused.value.error_code == "PERMISSION_DENIED"
    assert not Deployment.objects.exists()
    assert AuditEvent.objects.filter(action="governance.gate.refused").count() == 2
    assert client.get_registered_model("fraud-gbm").aliases == {}

    version = ModelVersion.objects.get(model__name="fraud-gbm", version="1")
    approve_for_production(version, engineer, reviewers)

    client.set_registered_model_alias("fraud-gbm", "production", "1")
    deployment = Deployment.objects.get()
    assert deployment.model_version == version
    assert deployment.environment == Environment.PRODUCTION
    assert deployment.deployed_by == engineer
    assert client.get_model_version_by_alias("fraud-gbm", "production").version == "1"
    # Setting it again changes nothing and deploys nothing twice.
    client.set_registered_model_alias("fraud-gbm", "production", "1")
    assert Deployment.objects.count() == 1

    mv = client.transition_model_version_stage("fraud-gbm", "1", "Production")
    assert mv.current_stage == "Production"
    assert Deployment.objects.count() == 2
    version.refresh_from_db()
    assert version.status == "deployed"


def test_basic_auth_with_a_token_as_password(live_server, mlflow_env, engineer, system):
    _, secret = services.token_create(actor=None, user=engineer, name="basic")
    mlflow_env.setenv("MLFLOW_TRACKING_USERNAME", engineer.username)
    mlflow_env.setenv("MLFLOW_TRACKING_PASSWORD", secret)
    client = MlflowClient(tracking_uri=live_server.url, registry_uri=live_server.url)
    client.create_registered_model("basic-model", tags={"steward.system": str(system.pk)})
    assert client.get_registered_model("basic-model").name == "basic-model"

    mlflow_env.setenv("MLFLOW_TRACKING_PASSWORD", "stw_not-a-token")
    with pytest.raises(MlflowException) as denied:
        MlflowClient(tracking_uri=live_server.url).get_registered_model("basic-model")
    assert denied.value.error_code == "UNAUTHENTICATED"


def test_someone_elses_system_is_permission_denied(
    live_server, mlflow_env, other_engineer, other_team, system
):
    client = client_for(live_server, mlflow_env, other_engineer)
    with pytest.raises(MlflowException) as denied:
        client.create_registered_model("sneaky", tags={"steward.system": system.slug})
    assert denied.value.error_code == "PERMISSION_DENIED"
    assert not AIModel.objects.filter(name="sneaky").exists()


def test_a_body_over_the_limit_is_refused_once_and_not_retried(
    live_server, mlflow_env, engineer, system
):
    # 413 in MLflow's shape: the client raises its code at once. With the client's default
    # retries (7, backoff factor 2) a retried status would take minutes to give up.
    mlflow_env.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES")
    client = client_for(live_server, mlflow_env, engineer)
    started = time.monotonic()
    with pytest.raises(RestException) as refused:
        client.create_registered_model(
            "huge", tags={"steward.system": system.slug}, description="x" * (1024 * 1024)
        )
    assert time.monotonic() - started < 30
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "over 1048576 bytes" in refused.value.message
    assert not AIModel.objects.filter(name="huge").exists()
