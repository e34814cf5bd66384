"""Reading the audit trail over the API: who may read it, filters, pagination, verification,
CSV and JSON Lines export, and the history of one object."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.audit.choices import AuditSource
from registry.audit.models import AuditEvent
from registry.audit.services import audit_context, object_type_of
from registry.audit.verify import checkpoint_ledger
from registry.inventory import services
from registry.inventory.choices import Environment
from registry.people import services as people_services
from registry.people.choices import TeamFunction
from tests import audit_support as attack
from tests.helpers import check

pytestmark = pytest.mark.django_db

LIST = "/api/v1/audit-events/"


@pytest.fixture
def deployment(db, version):
    return services.deployment_create(
        actor=None, model_version=version, environment=Environment.STAGING
    )


# --- Who reads --------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["auditor", "compliance_officer", "executive", "admin_user"])
def test_auditors_compliance_executives_and_superusers_read_the_whole_trail(
    request, api, system, reader
):
    user = request.getfixturevalue(reader)
    body = check(api(user).get(LIST), 200)
    assert len(body["results"]) == AuditEvent.objects.count() > 0
    check(api(user).get(LIST + "verify/"), 200)
    assert api(user).get(LIST + "export/").status_code == 200


@pytest.mark.parametrize("path", [LIST, LIST + "verify/", LIST + "export/", LIST + "1/"])
def test_engineers_and_reviewers_may_not_read_the_whole_trail(
    api, system, engineer, legal_reviewer, path
):
    for user in (engineer, legal_reviewer):
        response = api(user).get(path)
        check(response, 403)
        assert response["Content-Type"].startswith("application/json")


def test_anonymous_gets_nothing(api, system):
    assert api().get(LIST).status_code in (401, 403)
    assert api().get(f"/api/v1/systems/{system.pk}/history/").status_code in (401, 403)


def test_engineer_reads_the_history_of_a_system(api, engineer, system):
    services.system_update(actor=engineer, system=system, data={"purpose": "Score payments."})
    body = check(api(engineer).get(f"/api/v1/systems/{system.pk}/history/"), 200)
    assert [e["action"] for e in body["results"]] == [
        "registry.system.updated",
        "registry.system.created",
    ]
    update = body["results"][0]
    assert update["actor"] == "erin"
    assert update["changes"] == {
        "purpose": ["Score card transactions for fraud.", "Score payments."]
    }
    assert update["object_type"] == "registry.aisystem"
    assert update["object_id"] == str(system.pk)


def test_history_of_every_inventory_resource(
    api, legal_reviewer, system, model, version, datasets, deployment
):
    objects = {
        "systems": system,
        "models": model,
        "model-versions": version,
        "datasets": datasets["raw"],
        "deployments": deployment,
    }
    for resource, obj in objects.items():
        body = check(api(legal_reviewer).get(f"/api/v1/{resource}/{obj.pk}/history/"), 200)
        assert body["count"] >= 1, resource
        assert {(e["object_type"], e["object_id"]) for e in body["results"]} == {
            (object_type_of(obj), str(obj.pk))
        }


def test_history_of_an_object_that_does_not_exist_is_404(api, engineer, system):
    check(api(engineer).get("/api/v1/systems/999999/history/"), 404)


def test_history_is_paginated(api, engineer, system):
    for i in range(3):
        services.system_update(actor=engineer, system=system, data={"cost_centre": f"CC-{i}"})
    body = check(api(engineer).get(f"/api/v1/systems/{system.pk}/history/?page_size=2"), 200)
    assert body["count"] == 4
    assert len(body["results"]) == 2
    assert body["next"]


# --- Filters and pagination -------------------------------------------------------------------


def test_filters(api, auditor, engineer, system, datasets):
    services.system_update(actor=engineer, system=system, data={"purpose": "Changed."})
    client = api(auditor)

    def actions(query: str) -> list[str]:
        return [e["action"] for e in check(client.get(LIST + query), 200)["results"]]

    assert actions("?actor=erin") == ["registry.system.updated"]
    assert actions("?action=registry.system.updated") == ["registry.system.updated"]
    assert set(actions("?action_prefix=registry.dataset.")) == {"registry.dataset.created"}
    assert actions(f"?object_type=registry.aisystem&object_id={system.pk}") == [
        "registry.system.updated",
        "registry.system.created",
    ]
    first = AuditEvent.objects.get(sequence=1)
    last = AuditEvent.objects.order_by("-sequence").first()
    stamp = last.created_at.isoformat().replace("+00:00", "Z")
    assert actions(f"?created_after={stamp}") == [last.action]
    assert len(actions(f"?created_before={stamp}")) == last.sequence - 1
    assert actions(f"?after_sequence={last.sequence - 1}") == [last.action]
    assert actions(f"?source=api&request_id={first.request_id}") == []
    check(client.get(LIST + "?created_after=yesterday"), 400)


def test_list_is_newest_first_and_follows_a_cursor(api, auditor, system, datasets):
    client = api(auditor)
    total = AuditEvent.objects.count()
    body = check(client.get(LIST + "?page_size=2"), 200)
    assert set(body) == {"next", "previous", "results"}  # no count: it would scan the ledger
    assert [e["sequence"] for e in body["results"]] == [total, total - 1]
    assert body["previous"] is None
    # Following next walks the whole ledger once, newest first, and back again.
    seen = [e["sequence"] for e in body["results"]]
    while body["next"]:
        body = check(client.get(body["next"]), 200)
        seen += [e["sequence"] for e in body["results"]]
    assert seen == list(range(total, 0, -1))
    pages = [seen[i : i + 2] for i in range(0, total, 2)]
    assert len(pages) >= 2
    back = check(client.get(body["previous"]), 200)
    assert [e["sequence"] for e in back["results"]] == pages[-2]
    oldest = check(client.get(LIST + "?ordering=sequence&page_size=1"), 200)
    assert oldest["results"][0]["sequence"] == 1
    after = check(client.get(oldest["next"]), 200)
    assert after["results"][0]["sequence"] == 2


def test_the_ledger_refuses_page_numbers_and_bad_cursors(api, auditor, system):
    client = api(auditor)
    refused = check(client.get(LIST + "?page=2"), 400)
    assert [e["attr"] for e in refused["errors"]] == ["page"]
    assert "cursor" in refused["errors"][0]["detail"]
    for cursor in ("garbage", "cD1hYmM=", "bz0tMQ=="):  # not base64 / p=abc / o=-1
        refused = check(client.get(LIST, {"cursor": cursor}), 400)
        assert [e["attr"] for e in refused["errors"]] == ["cursor"], cursor
    refused = check(client.get(LIST + "?ordering=created_at"), 400)
    assert "sequence" in refused["errors"][0]["detail"]


def test_one_event_by_sequence(api, auditor, system):
    body = check(api(auditor).get(LIST + "1/"), 200)
    assert body["sequence"] == 1
    assert body["hash"] == AuditEvent.objects.get(sequence=1).hash


def test_list_query_count_does_not_grow_with_rows(api, auditor, engineer, system):
    def count_queries() -> int:
        client = api(type(auditor).objects.get(pk=auditor.pk))  # nothing cached on the user
        with CaptureQueriesContext(connection) as ctx:
            check(client.get(LIST + "?page_size=100"), 200)
        return len(ctx.captured_queries)

    few = count_queries()
    for i in range(40):
        services.system_update(actor=engineer, system=system, data={"cost_centre": f"CC-{i}"})
    assert count_queries() == few


def test_list_query_ceiling(api, auditor, engineer, system, django_assert_max_num_queries):
    for i in range(30):
        services.system_update(actor=engineer, system=system, data={"cost_centre": f"CC-{i}"})
    client = api(auditor)
    # roles of the reader, one page with the actors joined (a cursor page counts nothing)
    with django_assert_max_num_queries(3):
        check(client.get(LIST + "?page_size=100"), 200)
    with django_assert_max_num_queries(5):
        check(client.get(f"/api/v1/systems/{system.pk}/history/?page_size=100"), 200)


# --- Request context --------------------------------------------------------------------------


def test_api_events_carry_request_id_ip_and_client(api, engineer, system):
    response = api(engineer).patch(
        f"/api/v1/systems/{system.pk}/",
        {"purpose": "Changed."},
        format="json",
        HTTP_X_REQUEST_ID="ci-run-42",
        HTTP_USER_AGENT="pipeline/2.0",
        REMOTE_ADDR="198.51.100.9",
    )
    check(response, 200)
    assert response["X-Request-ID"] == "ci-run-42"
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.request_id, event.ip_address, event.user_agent, event.source) == (
        "ci-run-42",
        "198.51.100.9",
        "pipeline/2.0",
        AuditSource.API,
    )


# --- Verify -----------------------------------------------------------------------------------


def test_verify_reports_ok_then_the_first_bad_sequence(api, auditor, system, datasets):
    checkpoint_ledger()
    body = check(api(auditor).get(LIST + "verify/"), 200)
    total = AuditEvent.objects.count()
    assert body["ok"] is True
    assert body["count"] == total
    assert body["head_sequence"] == total
    assert body["checkpoints_checked"] == 1
    assert body["first_bad_sequence"] is None

    with attack.triggers_lifted():
        attack.edit(3, object_repr="Rewritten")
    body = check(api(auditor).get(LIST + "verify/"), 200)
    assert body["ok"] is False
    assert body["first_bad_sequence"] == 3
    assert "object_repr" in body["reason"]


# --- Export -----------------------------------------------------------------------------------


def test_export_csv_streams_every_column_oldest_first(api, auditor, system, datasets):
    response = api(auditor).get(LIST + "export/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["sequence"]) for r in rows] == list(range(1, AuditEvent.objects.count() + 1))
    first = AuditEvent.objects.get(sequence=1)
    assert rows[0]["hash"] == first.hash
    assert rows[0]["canonical"] == first.canonical
    assert json.loads(rows[0]["changes"]) == first.changes


def test_export_json_lines_verifies_offline(api, auditor, system, datasets):
    response = api(auditor).get(LIST + "export/?format=jsonl")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    # Anyone holding the export can re-check the chain without the database.
    import hashlib

    prev = "0" * 64
    for n, line in enumerate(lines, start=1):
        assert line["sequence"] == n
        assert line["prev_hash"] == prev
        digest = hashlib.sha256((prev + line["canonical"]).encode()).hexdigest()
        assert digest == line["hash"]
        prev = line["hash"]
    assert len(lines) == AuditEvent.objects.count()


def test_export_applies_filters(api, auditor, engineer, system):
    services.system_update(actor=engineer, system=system, data={"purpose": "Changed."})
    response = api(auditor).get(LIST + "export/?format=jsonl&actor=erin")
    lines = b"".join(response.streaming_content).splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["registry.system.updated"]


def test_export_of_an_unknown_format_is_404(api, auditor):
    check(api(auditor).get(LIST + "export/?format=xlsx"), 404)


def test_commands_and_tasks_are_sourced(db):
    with audit_context(source=AuditSource.TASK):
        people_services.team_create(actor=None, name="Ops", function=TeamFunction.ENGINEERING)
    event = AuditEvent.objects.get()
    assert event.source == AuditSource.TASK
    assert event.actor_name == "system"
    assert len(event.request_id) == 32
