"""Races on PostgreSQL: two reviewers signing the same function at once, and two requests for the
same version at once. Real threads, real connections, real row locks."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from governance.approvals import services as gov
from governance.approvals.models import ApprovalRequest, Signoff
from governance.policies.models import Policy
from registry.audit.models import AuditEvent
from registry.core.exceptions import ConflictError
from registry.inventory import hooks, services
from tests.conftest import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def run_at_once(n: int, fn) -> list:
    """Run ``fn(i)`` in ``n`` threads released together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:  # the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    close_old_connections()
    return results


def test_two_reviewers_signing_one_function_at_once_one_wins(engineer, version):
    approval = gov.approval_request(
        actor=engineer, model_version=version, environment="production", justification="race"
    )
    lawyers = [make_user(f"lawyer{i}", "legal") for i in range(4)]

    results = run_at_once(
        4,
        lambda i: gov.signoff_record(
            actor=lawyers[i], approval=approval, function="legal", decision="approve"
        ),
    )
    wins = [r for r in results if isinstance(r, Signoff)]
    losses = [r for r in results if isinstance(r, ConflictError)]
    assert len(wins) == 1, results
    assert len(losses) == 3, results
    assert Signoff.objects.filter(approval=approval, function="legal").count() == 1
    assert AuditEvent.objects.filter(action="governance.signoff.recorded").count() == 1


def test_racing_requests_for_one_version_leave_one_open(engineer, version):
    results = run_at_once(
        4,
        lambda i: gov.approval_request(
            actor=engineer,
            model_version=version,
            environment="production",
            justification=f"try {i}",
        ),
    )
    assert sum(isinstance(r, ApprovalRequest) for r in results) == 1, results
    assert ApprovalRequest.objects.filter(model_version=version).count() == 1


def test_concurrent_retries_with_one_idempotency_key_create_once(engineer, model):
    from rest_framework.test import APIClient

    from registry.inventory.models import ModelVersion

    def post(i):
        client = APIClient()
        client.force_authenticate(engineer)
        return client.post(
            "/api/v1/model-versions/",
            {"model": model.pk, "version": "race"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="retry-storm",
        )

    responses = run_at_once(4, post)
    assert [r.status_code for r in responses] == [201] * 4, responses
    assert len({r.json()["id"] for r in responses}) == 1
    assert ModelVersion.objects.filter(version="race").count() == 1


def test_a_request_made_while_its_model_moves_is_decided_under_the_new_system(
    engineer, team, model, version
):
    """The move holds the version's lock until it commits; the request waits for it and then
    reads the system the model is in now (a request that read the old system's risk tier would
    outlive the move's invalidation of the open requests)."""
    target = services.system_create(
        actor=None, owning_team=team, name="Chargeback scoring", purpose="p", risk_tier="limited"
    )
    moving, release = threading.Event(), threading.Event()

    def hold_the_move_open(**kwargs) -> None:  # runs inside the move's transaction
        moving.set()
        release.wait(10)

    results: dict = {}

    def in_thread(name: str, fn) -> threading.Thread:
        def run() -> None:
            try:
                results[name] = fn()
            except Exception as exc:  # the test inspects it
                results[name] = exc
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    hooks.on_model_moved(hold_the_move_open)
    try:
        mover = in_thread(
            "move", lambda: services.model_move(actor=engineer, model=model, system=target)
        )
        assert moving.wait(10)
        requester = in_thread(
            "request",
            lambda: gov.approval_request(
                actor=engineer,
                model_version=version,
                environment="production",
                justification="racing the move",
            ),
        )
        requester.join(1)
        assert requester.is_alive(), results  # waiting for the version the move locked
        release.set()
        mover.join(10)
        requester.join(10)
    finally:
        release.set()
        hooks.model_moved.unregister(hold_the_move_open)
        close_old_connections()
    approval = results["request"]
    assert isinstance(approval, ApprovalRequest), results
    assert (approval.risk_tier, approval.status) == ("limited", "pending")
    assert set(approval.required_functions) == set(
        Policy.objects.get(risk_tier="limited").required_functions
    )
