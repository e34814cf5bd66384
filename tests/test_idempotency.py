"""Idempotency-Key on the POSTs pipelines retry: versions, approvals, deployments."""

from __future__ import annotations

import pytest

from governance.approvals.models import ApprovalRequest
from registry.api.models import IdempotencyKey
from registry.audit.models import AuditEvent
from registry.inventory.models import Deployment, ModelVersion
from tests.conftest import make_user
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db


def post(client, url, body, key):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_retried_version_post_replays_the_first_response(api, engineer, model):
    client = api(engineer)
    body = {"model": model.pk, "version": "3.0.0", "artifact_sha256": "d" * 64}
    first = check(post(client, "/api/v1/model-versions/", body, "build-881"), 201)
    events = AuditEvent.objects.count()
    retry = post(client, "/api/v1/model-versions/", body, "build-881")
    assert check(retry, 201) == first
    assert retry["Idempotent-Replayed"] == "true"
    assert ModelVersion.objects.filter(model=model, version="3.0.0").count() == 1
    assert AuditEvent.objects.count() == events


def test_same_key_with_a_different_body_is_refused(api, engineer, model):
    client = api(engineer)
    check(post(client, "/api/v1/model-versions/", {"model": model.pk, "version": "1"}, "k1"), 201)
    resp = post(client, "/api/v1/model-versions/", {"model": model.pk, "version": "2"}, "k1")
    check(resp, 422)
    assert error_attrs(resp) == {"Idempotency-Key"}
    assert not ModelVersion.objects.filter(version="2").exists()


def test_keys_belong_to_their_user(api, engineer, teammate, model):
    body = {"model": model.pk, "version": "7"}
    check(post(api(engineer), "/api/v1/model-versions/", body, "shared"), 201)
    # The same key from someone else is a different request: it runs (and here conflicts).
    resp = post(api(teammate), "/api/v1/model-versions/", body, "shared")
    check(resp, 409)


def test_a_failed_post_keeps_no_key_so_its_retry_runs(api, engineer, other_engineer, model):
    resp = post(api(engineer), "/api/v1/model-versions/", {"model": model.pk}, "k-fail")
    check(resp, 400)
    assert not IdempotencyKey.objects.exists()
    check(
        post(
            api(engineer), "/api/v1/model-versions/", {"model": model.pk, "version": "8"}, "k-fail"
        ),
        201,
    )


def test_retried_approval_request_and_deployment_are_not_duplicated(api, engineer, version):
    client = api(engineer)
    body = {"model_version": version.pk, "environment": "staging", "justification": "x"}
    a = check(post(client, "/api/v1/approvals/", body, "ap-1"), 201)
    assert check(post(client, "/api/v1/approvals/", body, "ap-1"), 201)["id"] == a["id"]
    assert ApprovalRequest.objects.count() == 1

    dep = {"model_version": version.pk, "environment": "staging"}
    d = check(post(client, "/api/v1/deployments/", dep, "dep-1"), 201)
    assert check(post(client, "/api/v1/deployments/", dep, "dep-1"), 201)["id"] == d["id"]
    assert Deployment.objects.count() == 1


def test_refused_deployment_with_a_key_is_still_recorded_as_refused(api, engineer, version):
    resp = post(
        api(engineer),
        "/api/v1/deployments/",
        {"model_version": version.pk, "environment": "production"},
        "dep-prod",
    )
    check(resp, 409)
    assert AuditEvent.objects.order_by("-sequence").first().action == "governance.gate.refused"
    assert not IdempotencyKey.objects.exists()


def test_bad_key_is_a_400(api, engineer, model):
    resp = post(
        api(engineer), "/api/v1/model-versions/", {"model": model.pk, "version": "1"}, "x" * 300
    )
    check(resp, 400)
    assert error_attrs(resp) == {"Idempotency-Key"}


def test_unused_user(db):
    # Keys are per user: deleting a user deletes their keys, nothing else.
    user = make_user("tmp")
    IdempotencyKey.objects.create(
        user=user,
        key="k",
        method="POST",
        path="/",
        request_digest="0",
        response_status=201,
        response_body={},
    )
    user.delete()
    assert not IdempotencyKey.objects.exists()
