"""Moving a model, with its versions, to the system it serves (``POST /api/v1/models/{id}/move/``):
who may, what it records, and what it does to the approvals decided under the old system."""

from __future__ import annotations

import pytest
from django.test import Client

from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest
from integrations.models import IntakeSystem
from registry.audit.choices import AuditSource
from registry.audit.models import AuditEvent
from registry.inventory import services
from registry.inventory.choices import RiskTier, VersionStatus
from registry.inventory.models import AIModel
from tests.conftest import make_user
from tests.helpers import check, error_attrs
from tests.test_approvals import HIGH_FUNCTIONS, approve_all, gate
from tests.test_mlflow_api import create_model, mlflow_error
from tests.ui_support import pending_approval

pytestmark = pytest.mark.django_db

M = "/api/2.0/mlflow"


@pytest.fixture
def target(team):
    """Another system of the same team: the one the model really serves."""
    return services.system_create(
        actor=None,
        owning_team=team,
        name="Chargeback scoring",
        purpose="Score chargebacks.",
        risk_tier=RiskTier.LIMITED,
    )


@pytest.fixture
def reviewers(db):
    return {f: make_user(f"{f}-rev", f) for f in HIGH_FUNCTIONS}


def move(client, model, system_id, **headers):
    return client.post(
        f"/api/v1/models/{model.pk}/move/", {"system": system_id}, format="json", **headers
    )


def test_a_model_moves_with_its_versions_and_the_move_is_audited(
    api, engineer, system, model, version, target
):
    resp = move(api(engineer), model, target.pk)
    body = check(resp, 200)
    assert body["system"] == target.pk and body["name"] == model.name
    assert resp["ETag"]
    model.refresh_from_db()
    assert model.system_id == target.pk
    # Its versions go with it: they are read under the new system.
    assert check(api(engineer).get(f"/api/v1/model-versions/{version.pk}/"), 200)["system"] == (
        target.pk
    )
    [event] = AuditEvent.objects.filter(action="registry.model.moved")
    assert event.object_id == str(model.pk)
    assert event.changes == {"system": [system.pk, target.pk]}
    assert event.actor_id == engineer.pk
    history = check(api(engineer).get(f"/api/v1/models/{model.pk}/history/"), 200)
    assert history["results"][0]["action"] == "registry.model.moved"
    # Moving it to where it is changes nothing and records nothing.
    check(move(api(engineer), model, target.pk), 200)
    assert AuditEvent.objects.filter(action="registry.model.moved").count() == 1


def test_only_who_may_register_under_both_systems_moves_a_model(
    api, engineer, other_engineer, other_team, executive, model, target
):
    foreign = services.system_create(
        actor=None, owning_team=other_team, name="Support bot", purpose="p", risk_tier="minimal"
    )
    # Out of a system one does not own: refused whatever the target.
    resp = move(api(other_engineer), model, foreign.pk)
    check(resp, 403)
    # Into a system one does not own: refused, naming the field.
    resp = move(api(engineer), model, foreign.pk)
    check(resp, 403)
    assert error_attrs(resp) == {"system"}
    # Roles that do not write the registry: refused before anything is read.
    check(move(api(executive), model, target.pk), 403)
    model.refresh_from_db()
    assert model.system.name == "Fraud scoring"
    assert not AuditEvent.objects.filter(action="registry.model.moved").exists()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({}, "required"),
        ({"system": 999999}, "does_not_exist"),
        ({"system": "fraud-scoring"}, "incorrect_type"),
        ({"system": 1.5}, "incorrect_type"),
        ({"system": None}, "null"),
    ],
)
def test_bad_move_input_names_the_field(api, engineer, model, body, problem):
    resp = api(engineer).post(f"/api/v1/models/{model.pk}/move/", body, format="json")
    check(resp, 400)
    [error] = resp.json()["errors"]
    assert (error["attr"], error["code"]) == ("system", problem)
    assert not AuditEvent.objects.filter(action="registry.model.moved").exists()


def test_a_stale_if_match_is_refused(api, engineer, model, target):
    check(move(api(engineer), model, target.pk, HTTP_IF_MATCH='"stale"'), 412)
    etag = api(engineer).get(f"/api/v1/models/{model.pk}/")["ETag"]
    check(move(api(engineer), model, target.pk, HTTP_IF_MATCH=etag), 200)


def test_moving_invalidates_the_open_approvals_of_its_versions(
    api, engineer, model, version, target, reviewers
):
    """They were decided under the old system's risk tier and owners: the gate closes until
    someone requests again under the new system's policy."""
    approved = pending_approval(engineer, version)
    approve_all(approved, reviewers)
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert gate(api(engineer), version)["allowed"] is True
    other = services.version_create(actor=None, model=model, version="1.1.0")
    pending = pending_approval(engineer, other, environment="staging")
    withdrawn = pending_approval(engineer, other)
    withdrawn.status = ApprovalStatus.WITHDRAWN
    withdrawn.save()

    check(move(api(engineer), model, target.pk), 200)

    statuses = dict(ApprovalRequest.objects.values_list("pk", "status"))
    assert statuses == {
        approved.pk: ApprovalStatus.INVALIDATED,
        pending.pk: ApprovalStatus.INVALIDATED,
        withdrawn.pk: ApprovalStatus.WITHDRAWN,  # closed already: left as it was
    }
    approved.refresh_from_db()
    assert "moved from system 'Fraud scoring' to 'Chargeback scoring'" in approved.status_reason
    version.refresh_from_db()
    assert version.status == VersionStatus.REGISTERED
    verdict = gate(api(engineer), version)
    assert verdict["allowed"] is False and verdict["approval"] is None
    # One event for the move and one per invalidated request, each its own change.
    actions = list(
        AuditEvent.objects.filter(
            action__in=["registry.model.moved", "governance.approval.invalidated"]
        )
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["registry.model.moved"] + ["governance.approval.invalidated"] * 2


def test_a_failed_move_leaves_the_approvals_alone(api, other_engineer, version, target, engineer):
    approval = pending_approval(engineer, version)
    check(move(api(other_engineer), version.model, target.pk), 403)
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING


def test_a_model_registered_from_mlflow_leaves_the_intake_system(
    token_client, api, engineer, team, system
):
    """The intake system's purpose says to move each model to the system it serves; the MLflow
    tag cannot, and says how."""
    client = token_client(engineer)  # MLflow's endpoints take Steward's token as it is
    assert create_model(client, "untagged").status_code == 200
    model = AIModel.objects.get(name="untagged")
    intake = IntakeSystem.objects.get(team=team).system
    assert model.system_id == intake.pk
    message = mlflow_error(
        client.post(
            f"{M}/registered-models/set-tag",
            {"name": "untagged", "key": "steward.system", "value": system.slug},
            format="json",
        ),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    assert f"/api/v1/models/{model.pk}/move/" in message

    check(move(api(engineer), model, system.pk), 200)

    # Now the tag restates where it is, and MLflow reads it there.
    ok = client.post(
        f"{M}/registered-models/set-tag",
        {"name": "untagged", "key": "steward.system", "value": system.slug},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    assert not AIModel.objects.filter(system=intake).exists()


# --- The web UI -------------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_system_page_offers_the_move_to_who_may_make_it(
    engineer, compliance_officer, other_engineer, other_team, system, model, target
):
    services.system_create(
        actor=None, owning_team=other_team, name="Support bot", purpose="p", risk_tier="minimal"
    )
    page = client_for(engineer).get(f"/systems/{system.slug}/")
    assert [s.name for s in page.context["move_targets"]] == ["Chargeback scoring"]
    html = page.content.decode()
    assert f'action="/models/{model.pk}/move/"' in html
    assert f'<label for="move-{model.pk}">' in html and "csrfmiddlewaretoken" in html
    # Not to who reads only, nor to an engineer of another team.
    for user in (compliance_officer, other_engineer):
        page = client_for(user).get(f"/systems/{system.slug}/")
        assert page.context["move_targets"] == []
        assert "/move/" not in page.content.decode()


def test_moving_from_the_system_page(engineer, system, model, version, target):
    client = Client(enforce_csrf_checks=True)
    client.force_login(engineer)
    token = client.get(f"/systems/{system.slug}/").cookies["csrftoken"].value
    response = client.post(
        f"/models/{model.pk}/move/", {"system": target.pk, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == f"/systems/{target.slug}/"
    page = client.get(response["Location"])
    assert "fraud-xgb moved here from Fraud scoring" in page.content.decode()
    [(moved, rows)] = page.context["models"]
    assert moved.pk == model.pk and [v.pk for v, *_ in rows] == [version.pk]
    [event] = AuditEvent.objects.filter(action="registry.model.moved")
    assert (event.source, event.actor_id) == (AuditSource.UI, engineer.pk)


def test_moves_the_ui_refuses(engineer, other_engineer, other_team, system, model, target):
    foreign = services.system_create(
        actor=None, owning_team=other_team, name="Support bot", purpose="p", risk_tier="minimal"
    )
    url = f"/models/{model.pk}/move/"
    # Without a CSRF token.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(engineer)
    assert strict.post(url, {"system": target.pk}).status_code == 403
    # By an engineer of another team; to a system the engineer does not register under; to
    # nothing; by GET; of no model.
    assert client_for(other_engineer).post(url, {"system": foreign.pk}).status_code == 403
    refused = client_for(engineer).post(url, {"system": foreign.pk}, follow=True)
    assert "Choose a system you register under" in refused.content.decode()
    assert client_for(engineer).post(url, {}).status_code == 302
    assert client_for(engineer).get(url).status_code == 405
    assert (
        client_for(engineer).post("/models/999999/move/", {"system": target.pk}).status_code == 404
    )
    model.refresh_from_db()
    assert model.system_id == system.pk
    assert not AuditEvent.objects.filter(action="registry.model.moved").exists()
