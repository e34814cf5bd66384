"""``POST /api/v1/lineage`` at the HTTP level: what a valid event records, what an invalid one
is told, who may post, idempotency of a run's repeated events, and the model-version ties."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest

from governance.approvals import services as gov
from governance.approvals.choices import ApprovalStatus
from registry.audit.models import AuditEvent
from registry.inventory import services
from registry.inventory.choices import DatasetRole
from registry.inventory.models import Dataset, DatasetLineage, ModelVersionDataset
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

URL = "/api/v1/lineage"
SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def event(
    event_type="COMPLETE",
    run_id=None,
    inputs=("raw",),
    outputs=("features",),
    job="build",
    run_facets=None,
    **extra,
):
    return {
        "eventType": event_type,
        "eventTime": "2026-11-20T10:00:00.000Z",
        "producer": "https://example.com/pipelines",
        "schemaURL": SCHEMA,
        "run": {"runId": run_id or str(uuid.uuid4()), "facets": run_facets or {}},
        "job": {"namespace": "airflow", "name": job},
        "inputs": [_ds(n) for n in inputs],
        "outputs": [_ds(n) for n in outputs],
        **extra,
    }


def _ds(name):
    return name if isinstance(name, dict) else {"namespace": "s3://ol", "name": name}


def post(client, body, **headers):
    return client.post(URL, body, format="json", **headers)


def test_run_event_records_datasets_and_edges(token_client, engineer, team):
    client = token_client(engineer)
    body = check(post(client, event(inputs=["a", "b"], outputs=["c"])), 201)
    assert [d["name"] for d in body["datasets"]] == ["a", "b", "c"]
    assert all(d["created"] for d in body["datasets"])
    assert len(body["edges"]) == 2 and all(e["created"] for e in body["edges"])
    c = Dataset.objects.get(namespace="s3://ol", name="c")
    assert set(c.upstream_edges.values_list("source__name", flat=True)) == {"a", "b"}
    assert c.created_by == engineer


@pytest.mark.parametrize("event_type", ["START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER"])
def test_every_event_type_is_accepted_and_repeats_are_idempotent(
    token_client, engineer, event_type, audit_log
):
    client = token_client(engineer)
    audit_log.mark()
    run_id = str(uuid.uuid4())
    check(post(client, event(event_type, run_id)), 201)
    first = len(audit_log.new())
    assert first == 3  # two datasets and one edge
    audit_log.mark()
    again = check(post(client, event(event_type, run_id)), 201)
    assert not any(d["created"] for d in again["datasets"])
    assert not any(e["created"] for e in again["edges"])
    audit_log.assert_none()
    assert Dataset.objects.count() == 2 and DatasetLineage.objects.count() == 1


def test_a_runs_start_running_complete_make_one_set_of_rows(token_client, engineer, audit_log):
    client = token_client(engineer)
    audit_log.mark()
    run_id = str(uuid.uuid4())
    for kind in ("START", "RUNNING", "COMPLETE", "COMPLETE"):
        check(post(client, event(kind, run_id, inputs=["x", "y"], outputs=["z"])), 201)
    assert Dataset.objects.count() == 3 and DatasetLineage.objects.count() == 2
    assert len(audit_log.new()) == 5


@pytest.mark.parametrize(
    ("mutate", "attr"),
    [
        (lambda e: e.pop("eventTime"), "eventTime"),
        (lambda e: e.update(eventTime="yesterday"), "eventTime"),
        (lambda e: e.update(eventTime="2026-11-20T10:00:00"), "eventTime"),
        (lambda e: e.pop("producer"), "producer"),
        (lambda e: e.pop("schemaURL"), "schemaURL"),
        (lambda e: e.update(eventType="DONE"), "eventType"),
        (lambda e: e["run"].update(runId="run-1"), "run.runId"),
        (lambda e: e.pop("job"), "job"),
        (lambda e: e["job"].pop("name"), "job.name"),
        (lambda e: e.update(inputs="raw"), "inputs"),
        (lambda e: e["inputs"][0].pop("namespace"), "inputs[0].namespace"),
        (lambda e: e["outputs"][0].update(name="n" * 501), "outputs[0].name"),
        (lambda e: e["outputs"][0].update(facets={"schema": "x"}), "outputs[0].facets.schema"),
    ],
)
def test_an_invalid_event_is_400_naming_the_field(token_client, engineer, mutate, attr):
    body = event()
    mutate(body)
    response = post(token_client(engineer), body)
    check(response, 400)
    assert error_attrs(response) == {attr}
    assert not Dataset.objects.exists()


def test_not_an_object_and_not_json_are_400(token_client, engineer):
    client = token_client(engineer)
    check(post(client, ["a"]), 400)
    check(client.post(URL, "{nope", content_type="application/json"), 400)


def test_a_cycle_is_refused_with_400_and_nothing_written(token_client, engineer, audit_log):
    client = token_client(engineer)
    check(post(client, event(inputs=["p"], outputs=["q"])), 201)
    audit_log.mark()
    response = post(client, event(inputs=["q", "new"], outputs=["p"], job="backfill"))
    check(response, 400)
    assert error_attrs(response) == {"outputs"}
    assert "cycle" in response.json()["errors"][0]["detail"]
    audit_log.assert_none()
    assert not Dataset.objects.filter(name="new").exists()


def test_in_place_update_gets_no_self_edge(token_client, engineer):
    check(post(token_client(engineer), event(inputs=["t", "u"], outputs=["t"])), 201)
    assert list(DatasetLineage.objects.values_list("source__name", "target__name")) == [("u", "t")]


def test_who_may_post(api, token_client, engineer, executive, other_engineer, team, datasets):
    check(post(api(), event()), 401)
    check(post(token_client(executive), event()), 403)
    # Lineage into a dataset owned by another team is refused whole: no partial writes.
    response = post(
        token_client(other_engineer),
        event(inputs=["fresh"], outputs=[{"namespace": "s3://lake", "name": "transactions/raw"}]),
    )
    check(response, 403)
    assert not Dataset.objects.filter(name="fresh").exists()


def test_ownership_facet_sets_owners_only_where_none_and_when_allowed(
    token_client, engineer, other_engineer, team, other_team
):
    def owned(name, owner):
        facet = {"ownership": {"owners": [{"name": owner, "type": "MAINTAINER"}]}}
        return {"namespace": "s3://ol", "name": name, "facets": facet}

    client = token_client(engineer)
    body = check(
        post(
            client,
            event(inputs=[owned("mine", "team:fraud-ml")], outputs=[owned("theirs", "Support AI")]),
        ),
        201,
    )
    assert Dataset.objects.get(name="mine").owner_team == team
    assert Dataset.objects.get(name="theirs").owner_team is None  # not erin's team to assign
    assert "support-ai" in body["warnings"][0]

    # An unowned dataset gets its owner from a later event; an owned one keeps its owner.
    check(post(client, event(inputs=["plain"], outputs=["out2"])), 201)
    check(post(client, event(inputs=[owned("plain", "fraud-ml")], outputs=["out2"])), 201)
    assert Dataset.objects.get(name="plain").owner_team == team
    check(post(client, event(inputs=[owned("mine", "team:support-ai")], outputs=["out2"])), 201)
    assert Dataset.objects.get(name="mine").owner_team == team


def test_complete_links_inputs_to_the_version_and_invalidates_its_approval(
    token_client, engineer, model, version, datasets, audit_log
):
    approval = gov.approval_request(
        actor=engineer, model_version=version, environment="production", justification="Retrain."
    )
    client = token_client(engineer)
    model_output = {"namespace": "mlflow", "name": f"models:/{model.name}/{version.version}"}
    # START and FAIL never link training data.
    check(post(client, event("START", inputs=["fresh-data"], outputs=[model_output])), 201)
    check(post(client, event("FAIL", inputs=["fresh-data"], outputs=[model_output])), 201)
    assert not ModelVersionDataset.objects.filter(dataset__name="fresh-data").exists()

    body = check(
        post(client, event("COMPLETE", inputs=["fresh-data"], outputs=[model_output])), 201
    )
    assert body["model_versions"] == [version.pk]
    assert not Dataset.objects.filter(name__startswith="models:/").exists()
    link = ModelVersionDataset.objects.get(dataset__name="fresh-data")
    assert link.model_version == version and link.role == DatasetRole.TRAINING
    # The existing links stay.
    assert version.dataset_links.count() == 3
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.INVALIDATED

    audit_log.mark()
    check(post(client, event("COMPLETE", inputs=["fresh-data"], outputs=[model_output])), 201)
    audit_log.assert_none()


@pytest.mark.parametrize("tie", ["facet_id", "facet_name", "mlflow_run_id", "run_id"])
def test_other_ways_a_run_names_its_model_version(token_client, engineer, model, version, tie):
    run_id = str(uuid.uuid4())
    facets = {
        "facet_id": {"steward": {"modelVersionId": version.pk}},
        "facet_name": {"steward": {"modelName": model.name, "modelVersion": version.version}},
        "mlflow_run_id": {"steward": {"mlflowRunId": "mlf-42"}},
        "run_id": {},
    }[tie]
    if tie in ("mlflow_run_id", "run_id"):
        run_value = "mlf-42" if tie == "mlflow_run_id" else run_id.replace("-", "")
        services.version_update(actor=None, version=version, data={"run_id": run_value})
    body = check(post(token_client(engineer), event(run_id=run_id, run_facets=facets)), 201)
    assert body["model_versions"] == [version.pk]
    assert version.dataset_links.filter(dataset__name="raw", role="training").exists()


def test_linking_needs_the_versions_owner(token_client, other_engineer, other_team, model, version):
    model_output = {"namespace": "mlflow", "name": f"models:/{model.name}/{version.version}"}
    response = post(token_client(other_engineer), event(outputs=["o", model_output]))
    check(response, 403)
    assert not Dataset.objects.filter(name="o").exists()


def test_unknown_model_version_is_a_warning_not_a_failure(token_client, engineer):
    out = {"namespace": "mlflow", "name": "models:/ghost/7"}
    body = check(post(token_client(engineer), event(outputs=["o", out])), 201)
    assert body["model_versions"] == []
    assert "models:/ghost/7" in body["warnings"][0]


def test_job_and_dataset_events(token_client, engineer):
    client = token_client(engineer)
    job_event = event()
    job_event.pop("run")
    job_event.pop("eventType")
    job_event["schemaURL"] = SCHEMA.replace("RunEvent", "JobEvent")
    body = check(post(client, job_event), 201)
    assert len(body["edges"]) == 1 and DatasetLineage.objects.get().run_id == ""
    dataset_event = {
        "eventTime": "2026-11-20T10:00:00Z",
        "producer": "https://example.com",
        "schemaURL": SCHEMA.replace("RunEvent", "DatasetEvent"),
        "dataset": {"namespace": "s3://ol", "name": "static"},
    }
    check(post(client, dataset_event), 201)
    assert Dataset.objects.filter(name="static").exists()


def test_gzip_body_and_trailing_slash(token_client, engineer):
    client = token_client(engineer)
    raw = gzip.compress(json.dumps(event(outputs=["zipped"])).encode())
    response = client.post(URL, raw, content_type="application/json", HTTP_CONTENT_ENCODING="gzip")
    check(response, 201)
    assert Dataset.objects.filter(name="zipped").exists()
    broken = client.post(
        URL, b"\x1f\x8bnot gzip", content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    check(broken, 400)
    check(client.post(URL + "/", event(outputs=["slashed"]), format="json"), 201)


def test_audit_events_name_the_api_channel(token_client, engineer):
    check(post(token_client(engineer), event()), 201)
    sources = set(
        AuditEvent.objects.filter(action="registry.lineage.recorded").values_list(
            "source", flat=True
        )
    )
    assert sources == {"api"}
