"""X-Request-ID: echoed when the client sends a valid one, generated otherwise, and the same id
on every audit event the request wrote."""

import re

import pytest

from tests.helpers import check

pytestmark = pytest.mark.django_db


def create_dataset(client, name="d", **headers):
    return client.post(
        "/api/v1/datasets/", {"namespace": "s3://x", "name": name}, format="json", **headers
    )


def test_supplied_request_id_is_echoed_and_recorded(api, engineer, team, audit_log):
    resp = create_dataset(api(engineer), HTTP_X_REQUEST_ID="ci-run-42.step:7")
    check(resp, 201)
    assert resp["X-Request-ID"] == "ci-run-42.step:7"
    audit_log.assert_one("registry.dataset.created", request_id="ci-run-42.step:7")


def test_request_id_is_generated_when_absent(api, engineer, team, audit_log):
    resp = create_dataset(api(engineer))
    check(resp, 201)
    request_id = resp["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    audit_log.assert_one("registry.dataset.created", request_id=request_id)


@pytest.mark.parametrize(
    "bad", ["x" * 65, "has space", "semi;colon", "new\\nline", "<script>", "ünïcode"]
)
def test_invalid_request_id_is_replaced_not_echoed(api, engineer, team, audit_log, bad):
    resp = create_dataset(api(engineer), HTTP_X_REQUEST_ID=bad)
    check(resp, 201)
    assert resp["X-Request-ID"] != bad
    assert re.fullmatch(r"[0-9a-f]{32}", resp["X-Request-ID"])
    audit_log.assert_one("registry.dataset.created", request_id=resp["X-Request-ID"])


def test_each_request_gets_its_own_id(api, engineer, team):
    client = api(engineer)
    ids = {create_dataset(client, name=f"d{i}")["X-Request-ID"] for i in range(3)}
    assert len(ids) == 3


def test_request_id_is_returned_on_reads_and_errors(api, engineer, team):
    client = api(engineer)
    assert client.get("/api/v1/systems/", HTTP_X_REQUEST_ID="read-1")["X-Request-ID"] == "read-1"
    resp = client.post("/api/v1/datasets/", {}, format="json", HTTP_X_REQUEST_ID="bad-1")
    check(resp, 400)
    assert resp["X-Request-ID"] == "bad-1"
    assert api().get("/api/v1/systems/", HTTP_X_REQUEST_ID="anon-1")["X-Request-ID"] == "anon-1"


def test_token_request_records_id_and_token_prefix(token_client, engineer, team, audit_log):
    client = token_client(engineer)
    audit_log.mark()
    resp = create_dataset(client, HTTP_X_REQUEST_ID="pipeline-7")
    check(resp, 201)
    event = audit_log.assert_one("registry.dataset.created", request_id="pipeline-7")
    assert event.actor_token.startswith("stw_")
    assert event.source == "api"
