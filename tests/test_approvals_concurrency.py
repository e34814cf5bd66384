"""Races on PostgreSQL: two reviewers signing the same function at once, and two requests for the
same version at once. Real threads, real connections, real row locks."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from governance import services as gov
from governance.models import ApprovalRequest, Signoff
from registry.exceptions import ConflictError
from registry.models import AuditEvent
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

    from registry.models import ModelVersion

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
