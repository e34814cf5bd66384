"""The ``openlineage-python`` client's HTTP transport against a live Steward: a training run's
START and COMPLETE events become datasets, edges and the training data of a model version."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import requests
from django.test import Client
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import documentation_dataset, ownership_dataset
from openlineage.client.transport.http import (
    ApiKeyTokenProvider,
    HttpCompression,
    HttpConfig,
    HttpTransport,
)

from registry.audit.models import AuditEvent
from registry.inventory.models import Dataset, DatasetLineage
from registry.people import services
from tests.helpers import check

pytestmark = [
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def live_server(django_db_setup, live_server):
    """pytest-django's live server, set up after (so torn down before) the test database: its
    thread's connection would otherwise keep PostgreSQL from dropping the database."""
    return live_server


PRODUCER = "https://github.com/example/pipelines/train.py"


def ol_client(url: str, secret: str, **config) -> OpenLineageClient:
    transport = HttpTransport(
        HttpConfig(url=url, auth=ApiKeyTokenProvider({"apiKey": secret}), timeout=20, **config)
    )
    return OpenLineageClient(transport=transport)


def training_event(event_type, run_id: str, *, model: str, version: str) -> RunEvent:
    owned = {
        "ownership": ownership_dataset.OwnershipDatasetFacet(
            owners=[ownership_dataset.Owner(name="team:fraud-ml", type="MAINTAINER")]
        ),
        "documentation": documentation_dataset.DocumentationDatasetFacet(
            description="Card transactions, one row per authorisation."
        ),
    }
    return RunEvent(
        eventType=event_type,
        eventTime=dt.datetime.now(dt.UTC).isoformat(),
        run=Run(runId=run_id),
        job=Job(namespace="airflow://prod", name="fraud.train"),
        producer=PRODUCER,
        inputs=[
            InputDataset(namespace="s3://lake", name="cards/transactions", facets=owned),
            InputDataset(namespace="s3://lake", name="cards/chargebacks"),
        ],
        outputs=[
            OutputDataset(namespace="s3://lake", name="cards/features"),
            OutputDataset(namespace="mlflow", name=f"models:/{model}/{version}"),
        ],
    )


def test_openlineage_http_transport_start_and_complete(
    live_server, engineer, team, model, version, token_client
):
    _, secret = services.token_create(actor=None, user=engineer, name="openlineage")
    client = ol_client(live_server.url, secret)
    run_id = str(uuid.uuid4())

    client.emit(training_event(RunState.START, run_id, model=model.name, version=version.version))
    client.emit(
        training_event(RunState.COMPLETE, run_id, model=model.name, version=version.version)
    )

    transactions = Dataset.objects.get(namespace="s3://lake", name="cards/transactions")
    assert transactions.owner_team == team
    assert transactions.description.startswith("Card transactions")
    features = Dataset.objects.get(namespace="s3://lake", name="cards/features")
    assert not Dataset.objects.filter(name__startswith="models:/").exists()
    edges = DatasetLineage.objects.filter(target=features, job_name="fraud.train")
    assert {e.source.name for e in edges} == {"cards/transactions", "cards/chargebacks"}
    assert {e.run_id for e in edges} == {run_id} and {e.job_namespace for e in edges} == {
        "airflow://prod"
    }

    # Steward's own lineage API shows them.
    api = token_client(engineer)
    graph = check(api.get(f"/api/v1/datasets/{features.pk}/lineage/?direction=upstream"), 200)
    assert {n["name"] for n in graph["nodes"]} == {
        "cards/features",
        "cards/transactions",
        "cards/chargebacks",
    }
    assert len(graph["edges"]) == 2
    # …and the version now lists the run's inputs as training data (COMPLETE only).
    upstream = check(api.get(f"/api/v1/model-versions/{version.pk}/lineage/"), 200)
    training = {d["name"] for d in upstream["datasets"] if d["role"] == "training"}
    assert {"cards/transactions", "cards/chargebacks"} <= training
    # …and so does the version's page in the web UI.
    browser = Client()
    browser.force_login(engineer)
    page = browser.get(f"/versions/{version.pk}/")
    assert page.status_code == 200
    shown = {(link.dataset.name, link.role) for link in page.context["links"]}
    assert {("cards/transactions", "training"), ("cards/chargebacks", "training")} <= shown
    assert "s3://lake/cards/chargebacks" in page.content.decode()

    # The same COMPLETE again, gzip-compressed this time: nothing new, no new audit event.
    before = AuditEvent.objects.count()
    gz = ol_client(live_server.url, secret, compression=HttpCompression.GZIP)
    gz.emit(training_event(RunState.COMPLETE, run_id, model=model.name, version=version.version))
    assert AuditEvent.objects.count() == before
    assert DatasetLineage.objects.filter(job_name="fraud.train").count() == 2


def test_transport_gets_400_for_an_invalid_event_and_401_without_a_token(live_server, engineer):
    _, secret = services.token_create(actor=None, user=engineer, name="openlineage")
    url = f"{live_server.url}/api/v1/lineage"
    bad = requests.post(
        url,
        json={"eventType": "START", "run": {"runId": "not-a-uuid"}},
        headers={"Authorization": f"Bearer {secret}"},
        timeout=20,
    )
    assert bad.status_code == 400
    assert {e["attr"] for e in bad.json()["errors"]} == {"eventTime"}
    anonymous = requests.post(url, json={}, timeout=20)
    assert anonymous.status_code == 401
