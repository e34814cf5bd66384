"""The registry as an engineer's pipeline uses it: token in hand, curl-like calls only."""

import itertools

import pytest

from registry.audit.models import AuditEvent
from registry.inventory.models import ModelVersion
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db


def test_engineer_registers_system_model_version_and_reads_lineage(
    token_client, engineer, team, other_engineer, other_team, legal_reviewer, executive, audit_log
):
    client = token_client(engineer)
    audit_log.mark()

    system = check(
        client.post(
            "/api/v1/systems/",
            {
                "name": "Credit decisioning",
                "purpose": "Decide consumer credit applications.",
                "risk_tier": "high",
                "risk_rationale": "Annex III 5(b): creditworthiness of natural persons.",
                "lifecycle": "development",
                "owning_team": "fraud-ml",
                "technical_owner": "erin",
                "monthly_budget": "1200.50",
            },
            format="json",
        ),
        201,
    )
    assert system["slug"] == "credit-decisioning"
    assert system["owning_team"] == "fraud-ml"
    audit_log.assert_one("registry.system.created", source="api", actor=engineer)

    raw = check(
        client.post(
            "/api/v1/datasets/",
            {
                "namespace": "postgres://bureau",
                "name": "applications",
                "owner_team": "fraud-ml",
                "contains_personal_data": True,
                "legal_basis": "contract",
                "classification": "confidential",
            },
            format="json",
        ),
        201,
    )
    train = check(
        client.post(
            "/api/v1/datasets/",
            {"namespace": "s3://lake", "name": "credit/train", "owner_team": "fraud-ml"},
            format="json",
        ),
        201,
    )
    evaluation = check(
        client.post(
            "/api/v1/datasets/",
            {"namespace": "s3://lake", "name": "credit/eval", "owner_team": "fraud-ml"},
            format="json",
        ),
        201,
    )
    check(
        client.post(
            "/api/v1/lineage-edges/",
            {"source": raw["id"], "target": train["id"], "job_name": "split"},
            format="json",
        ),
        201,
    )
    model = check(
        client.post(
            "/api/v1/models/",
            {"system": system["id"], "name": "credit-gbm", "framework": "lightgbm"},
            format="json",
        ),
        201,
    )
    audit_log.mark()
    version = check(
        client.post(
            "/api/v1/model-versions/",
            {
                "model": model["id"],
                "version": "2.1.0",
                "artifact_uri": "s3://models/credit-gbm/2.1.0",
                "artifact_sha256": "b" * 64,
                "metrics": {"auc": 0.91},
                "model_card": {"intended_use": "Retail credit", "limitations": "No SME"},
                "training_datasets": [
                    {"dataset": train["id"], "role": "training"},
                    {"dataset": evaluation["id"], "role": "evaluation"},
                ],
            },
            format="json",
        ),
        201,
    )
    audit_log.assert_one("registry.version.created")
    assert version["status"] == "registered"
    assert version["model_card"]["intended_use"] == "Retail credit"
    assert {(d["dataset"], d["role"]) for d in version["training_datasets"]} == {
        (train["id"], "training"),
        (evaluation["id"], "evaluation"),
    }

    lineage = check(client.get(f"/api/v1/model-versions/{version['id']}/lineage/?depth=3"), 200)
    by_id = {n["id"]: n for n in lineage["nodes"]}
    assert by_id[train["id"]]["distance"] == 1
    assert by_id[raw["id"]]["distance"] == 2
    assert [(e["source"], e["target"]) for e in lineage["edges"]] == [(raw["id"], train["id"])]

    # An engineer of another team may read, but not change the system.
    outsider = token_client(other_engineer)
    check(outsider.get(f"/api/v1/systems/{system['id']}/"), 200)
    resp = outsider.patch(
        f"/api/v1/systems/{system['id']}/", {"lifecycle": "validation"}, format="json"
    )
    check(resp, 403)
    resp = outsider.post(
        "/api/v1/models/", {"system": system["id"], "name": "sneaky"}, format="json"
    )
    check(resp, 403)
    assert error_attrs(resp) == {"system"}

    # Reviewers and executives write nothing.
    for user in (legal_reviewer, executive):
        c = token_client(user)
        check(
            c.patch(f"/api/v1/systems/{system['id']}/", {"lifecycle": "validation"}, format="json"),
            403,
        )
        check(c.post("/api/v1/datasets/", {"namespace": "x", "name": "y"}, format="json"), 403)
    assert ModelVersion.objects.count() == 1


def test_anonymous_gets_401(api, system):
    resp = api().get("/api/v1/systems/")
    check(resp, 401)
    assert resp.json()["type"] == "client_error"


def test_every_change_leaves_a_verifiable_chain(system, version):
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    for prev, cur in itertools.pairwise(events):
        assert cur.prev_hash == prev.hash
