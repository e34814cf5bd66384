"""Every change leaves exactly one audit event; a failed request leaves none.

The test walks every mutating endpoint of the registry's API (the router is enumerated, so a new
endpoint without a case here fails ``test_every_mutating_endpoint_is_covered``), succeeds once
and fails in each way it can — including failures found after validation and locking (409, 412)
— and counts the events each request left."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from config.api_urls import router
from registry.audit.choices import AuditSource
from registry.audit.models import AuditEvent
from registry.evidence import services as evidence_services
from registry.inventory import services
from registry.inventory.choices import Environment, IncidentSeverity
from registry.people import services as people_services
from tests.helpers import check

pytestmark = pytest.mark.django_db

S = "/api/v1"


@dataclass
class Case:
    """One request: who sends it, and what it must leave in the ledger (``action`` for one
    event, None for none)."""

    name: str
    route: tuple[str, str]  # (router basename, viewset action) this case exercises
    user: str
    method: str
    path: Callable[[Any], str]
    body: Callable[[Any], dict] | None
    status: int
    action: str | None
    headers: Callable[[Any], dict] = field(default=lambda w: {})


@pytest.fixture
def world(
    db,
    admin_user,
    engineer,
    teammate,
    other_engineer,
    team,
    other_team,
    system,
    model,
    version,
    datasets,
    executive,
):
    """Everything the cases touch, as attributes."""

    class World:
        pass

    w = World()
    w.__dict__.update(
        admin_user=admin_user,
        engineer=engineer,
        teammate=teammate,
        other_engineer=other_engineer,
        team=team,
        other_team=other_team,
        system=system,
        model=model,
        version=version,
        datasets=datasets,
        executive=executive,
    )
    w.deployment = services.deployment_create(
        actor=None, model_version=version, environment=Environment.STAGING
    )
    w.incident = services.incident_create(
        actor=None, system=system, title="Drift", severity=IncidentSeverity.LOW
    )
    w.token, _ = people_services.token_create(actor=None, user=engineer, name="ci")
    w.deprecated = services.version_create(actor=None, model=model, version="0.9.0")
    w.second_system = services.system_create(
        actor=None, owning_team=team, name="Chargeback scoring", purpose="p", risk_tier="limited"
    )
    w.foreign_system = services.system_create(
        actor=None, owning_team=other_team, name="Support bot", purpose="p", risk_tier="minimal"
    )
    services.version_update(actor=None, version=w.deprecated, data={"status": "deprecated"})
    w.evidence = _link(version)
    return w


def _link(version, **fields):
    return evidence_services.evidence_attach(
        actor=None,
        subject_type="model_version",
        subject_id=version.pk,
        title="Validation report",
        kind="validation_report",
        link_url="https://wiki.example.com/validation",
        **fields,
    )


def _withdrawn(w):
    return evidence_services.evidence_withdraw(actor=None, item=_link(w.version), reason="wrong")


def _evidence_body(w) -> dict:
    return {
        "subject_type": "model_version",
        "subject_id": w.version.pk,
        "title": "Bias test",
        "kind": "test_results",
        "link_url": "https://ci.example.com/runs/42",
    }


def _system_body(w) -> dict:
    return {
        "name": "Claims triage",
        "purpose": "Route insurance claims.",
        "risk_tier": "limited",
        "lifecycle": "proposed",
        "owning_team": "fraud-ml",
        "technical_owner": "erin",
    }


SUCCESSES = [
    Case(
        "team created",
        ("team", "create"),
        "admin_user",
        "post",
        lambda w: f"{S}/teams/",
        lambda w: {"name": "Risk", "function": "compliance"},
        201,
        "registry.team.created",
    ),
    Case(
        "team updated",
        ("team", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/teams/{w.team.pk}/",
        lambda w: {"description": "Fraud models"},
        200,
        "registry.team.updated",
    ),
    Case(
        "team replaced",
        ("team", "update"),
        "engineer",
        "put",
        lambda w: f"{S}/teams/{w.team.pk}/",
        lambda w: {"name": "Fraud ML", "function": "engineering", "description": "All of it"},
        200,
        "registry.team.updated",
    ),
    Case(
        "member added",
        ("team", "members"),
        "engineer",
        "post",
        lambda w: f"{S}/teams/{w.team.pk}/members/",
        lambda w: {"user": "olga"},
        200,
        "registry.team.member_added",
    ),
    Case(
        "member removed",
        ("team", "remove_member"),
        "engineer",
        "delete",
        lambda w: f"{S}/teams/{w.team.pk}/members/theo/",
        None,
        200,
        "registry.team.member_removed",
    ),
    Case(
        "system created",
        ("system", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/systems/",
        _system_body,
        201,
        "registry.system.created",
    ),
    Case(
        "system updated",
        ("system", "partial_update"),
        "teammate",
        "patch",
        lambda w: f"{S}/systems/{w.system.pk}/",
        lambda w: {"lifecycle": "validation", "monthly_budget": "99.90"},
        200,
        "registry.system.updated",
    ),
    Case(
        "system replaced",
        ("system", "update"),
        "engineer",
        "put",
        lambda w: f"{S}/systems/{w.system.pk}/",
        lambda w: {**_system_body(w), "name": "Fraud scoring", "slug": w.system.slug},
        200,
        "registry.system.updated",
    ),
    Case(
        "model created",
        ("model", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/models/",
        lambda w: {"system": w.system.pk, "name": "fraud-gbm"},
        201,
        "registry.model.created",
    ),
    Case(
        "model updated",
        ("model", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/models/{w.model.pk}/",
        lambda w: {"framework": "lightgbm"},
        200,
        "registry.model.updated",
    ),
    Case(
        "model replaced",
        ("model", "update"),
        "engineer",
        "put",
        lambda w: f"{S}/models/{w.model.pk}/",
        lambda w: {"framework": "lightgbm", "task": "classification"},
        200,
        "registry.model.updated",
    ),
    Case(
        "model moved",
        ("model", "move"),
        "engineer",
        "post",
        lambda w: f"{S}/models/{w.model.pk}/move/",
        lambda w: {"system": w.second_system.pk},
        200,
        "registry.model.moved",
    ),
    Case(
        "version created",
        ("modelversion", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/model-versions/",
        lambda w: {
            "model": w.model.pk,
            "version": "2.0.0",
            "artifact_sha256": "b" * 64,
            "training_datasets": [{"dataset": w.datasets["features"].pk, "role": "training"}],
        },
        201,
        "registry.version.created",
    ),
    Case(
        "version updated",
        ("modelversion", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/model-versions/{w.version.pk}/",
        lambda w: {"status": "deprecated"},
        200,
        "registry.version.updated",
    ),
    Case(
        "version replaced",
        ("modelversion", "update"),
        "engineer",
        "put",
        lambda w: f"{S}/model-versions/{w.version.pk}/",
        lambda w: {"status": "deprecated"},
        200,
        "registry.version.updated",
    ),
    Case(
        "dataset created",
        ("dataset", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/datasets/",
        lambda w: {"namespace": "s3://lake", "name": "claims/raw", "owner_team": "fraud-ml"},
        201,
        "registry.dataset.created",
    ),
    Case(
        "dataset updated",
        ("dataset", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/datasets/{w.datasets['raw'].pk}/",
        lambda w: {"classification": "restricted"},
        200,
        "registry.dataset.updated",
    ),
    Case(
        "dataset replaced",
        ("dataset", "update"),
        "engineer",
        "put",
        lambda w: f"{S}/datasets/{w.datasets['raw'].pk}/",
        lambda w: {"classification": "restricted", "owner_team": "fraud-ml"},
        200,
        "registry.dataset.updated",
    ),
    Case(
        "lineage recorded",
        ("lineageedge", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/lineage-edges/",
        lambda w: {"source": w.datasets["raw"].pk, "target": w.datasets["holdout"].pk},
        201,
        "registry.lineage.recorded",
    ),
    Case(
        "deployment recorded",
        ("deployment", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/deployments/",
        lambda w: {"model_version": w.version.pk, "environment": "staging"},
        201,
        "registry.deployment.created",
    ),
    Case(
        "deployment updated",
        ("deployment", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/deployments/{w.deployment.pk}/",
        lambda w: {"status": "rolled_back"},
        200,
        "registry.deployment.updated",
    ),
    Case(
        "incident opened",
        ("incident", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/incidents/",
        lambda w: {"system": w.system.pk, "title": "Outage", "severity": "high"},
        201,
        "registry.incident.created",
    ),
    Case(
        "incident updated",
        ("incident", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/incidents/{w.incident.pk}/",
        lambda w: {"status": "investigating"},
        200,
        "registry.incident.updated",
    ),
    Case(
        "incident replaced",
        ("incident", "update"),
        "engineer",
        "put",
        lambda w: f"{S}/incidents/{w.incident.pk}/",
        lambda w: {"title": "Drift", "severity": "medium", "status": "investigating"},
        200,
        "registry.incident.updated",
    ),
    Case(
        "token created",
        ("token", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/auth/tokens/",
        lambda w: {"name": "laptop"},
        201,
        "registry.token.created",
    ),
    Case(
        "token created with a password",
        ("token", "create"),
        "",
        "post",
        lambda w: f"{S}/auth/tokens/",
        lambda w: {"name": "pipeline", "username": "erin", "password": "pw-erin"},
        201,
        "registry.token.created",
    ),
    Case(
        "token revoked",
        ("token", "destroy"),
        "engineer",
        "delete",
        lambda w: f"{S}/auth/tokens/{w.token.pk}/",
        None,
        204,
        "registry.token.revoked",
    ),
    Case(
        "evidence attached",
        ("evidenceitem", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/evidence/",
        _evidence_body,
        201,
        "registry.evidence.attached",
    ),
    Case(
        "evidence corrected",
        ("evidenceitem", "versions"),
        "teammate",
        "post",
        lambda w: f"{S}/evidence/{w.evidence.pk}/versions/",
        lambda w: {"link_url": "https://wiki.example.com/validation-v2"},
        201,
        "registry.evidence.superseded",
    ),
    Case(
        "evidence withdrawn",
        ("evidenceitem", "withdraw"),
        "engineer",
        "post",
        lambda w: f"{S}/evidence/{w.evidence.pk}/withdraw/",
        lambda w: {"reason": "Attached to the wrong version."},
        200,
        "registry.evidence.withdrawn",
    ),
]

FAILURES = [
    Case(
        "evidence by an executive",
        ("evidenceitem", "create"),
        "executive",
        "post",
        lambda w: f"{S}/evidence/",
        _evidence_body,
        403,
        None,
    ),
    Case(
        "evidence linking a javascript: URL",
        ("evidenceitem", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/evidence/",
        lambda w: {**_evidence_body(w), "link_url": "javascript:alert(1)"},
        400,
        None,
    ),
    Case(
        "evidence corrected by another team",
        ("evidenceitem", "versions"),
        "other_engineer",
        "post",
        lambda w: f"{S}/evidence/{w.evidence.pk}/versions/",
        lambda w: {"link_url": "https://wiki.example.com/x"},
        403,
        None,
    ),
    Case(
        "withdrawn evidence corrected",
        ("evidenceitem", "versions"),
        "engineer",
        "post",
        lambda w: f"{S}/evidence/{_withdrawn(w).pk}/versions/",
        lambda w: {"link_url": "https://wiki.example.com/x"},
        409,
        None,
    ),
    Case(
        "evidence withdrawn without a reason",
        ("evidenceitem", "withdraw"),
        "engineer",
        "post",
        lambda w: f"{S}/evidence/{w.evidence.pk}/withdraw/",
        lambda w: {"reason": ""},
        400,
        None,
    ),
    # Refused before anything is written.
    Case(
        "team by a non-admin",
        ("team", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/teams/",
        lambda w: {"name": "Risk", "function": "compliance"},
        403,
        None,
    ),
    Case(
        "team with a bad function",
        ("team", "create"),
        "admin_user",
        "post",
        lambda w: f"{S}/teams/",
        lambda w: {"name": "Risk", "function": "astrology"},
        400,
        None,
    ),
    Case(
        "team by someone else",
        ("team", "partial_update"),
        "other_engineer",
        "patch",
        lambda w: f"{S}/teams/{w.team.pk}/",
        lambda w: {"description": "Mine now"},
        403,
        None,
    ),
    Case(
        "member who does not exist",
        ("team", "members"),
        "engineer",
        "post",
        lambda w: f"{S}/teams/{w.team.pk}/members/",
        lambda w: {"user": "nobody"},
        400,
        None,
    ),
    Case(
        "removing the lead (after the lock)",
        ("team", "remove_member"),
        "engineer",
        "delete",
        lambda w: f"{S}/teams/{w.team.pk}/members/erin/",
        None,
        409,
        None,
    ),
    Case(
        "system for another team",
        ("system", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/systems/",
        lambda w: {**_system_body(w), "owning_team": "support-ai"},
        403,
        None,
    ),
    Case(
        "system without a name",
        ("system", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/systems/",
        lambda w: {"purpose": "?"},
        400,
        None,
    ),
    Case(
        "system by an executive",
        ("system", "partial_update"),
        "executive",
        "patch",
        lambda w: f"{S}/systems/{w.system.pk}/",
        lambda w: {"purpose": "?"},
        403,
        None,
    ),
    Case(
        "system changed by an outsider",
        ("system", "partial_update"),
        "other_engineer",
        "patch",
        lambda w: f"{S}/systems/{w.system.pk}/",
        lambda w: {"purpose": "?"},
        403,
        None,
    ),
    Case(
        "system that does not exist",
        ("system", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/systems/999999/",
        lambda w: {"purpose": "?"},
        404,
        None,
    ),
    Case(
        "system with a stale If-Match (after the lock)",
        ("system", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/systems/{w.system.pk}/",
        lambda w: {"purpose": "Stale write"},
        412,
        None,
        headers=lambda w: {"HTTP_IF_MATCH": '"0123456789abcdef0123456789abcdef"'},
    ),
    Case(
        "system slug change (after the lock)",
        ("system", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/systems/{w.system.pk}/",
        lambda w: {"slug": "renamed"},
        409,
        None,
    ),
    Case(
        "model under someone else's system",
        ("model", "create"),
        "other_engineer",
        "post",
        lambda w: f"{S}/models/",
        lambda w: {"system": w.system.pk, "name": "sneaky"},
        403,
        None,
    ),
    Case(
        "model moved by an outsider",
        ("model", "move"),
        "other_engineer",
        "post",
        lambda w: f"{S}/models/{w.model.pk}/move/",
        lambda w: {"system": w.foreign_system.pk},
        403,
        None,
    ),
    Case(
        "model moved to someone else's system",
        ("model", "move"),
        "engineer",
        "post",
        lambda w: f"{S}/models/{w.model.pk}/move/",
        lambda w: {"system": w.foreign_system.pk},
        403,
        None,
    ),
    Case(
        "model moved to no system",
        ("model", "move"),
        "engineer",
        "post",
        lambda w: f"{S}/models/{w.model.pk}/move/",
        lambda w: {"system": 999999},
        400,
        None,
    ),
    Case(
        "model moved with a stale If-Match (after the lock)",
        ("model", "move"),
        "engineer",
        "post",
        lambda w: f"{S}/models/{w.model.pk}/move/",
        lambda w: {"system": w.second_system.pk},
        412,
        None,
        headers=lambda w: {"HTTP_IF_MATCH": '"0123456789abcdef0123456789abcdef"'},
    ),
    Case(
        "model moved to the system it is in",
        ("model", "move"),
        "engineer",
        "post",
        lambda w: f"{S}/models/{w.model.pk}/move/",
        lambda w: {"system": w.system.pk},
        200,
        None,
    ),
    Case(
        "version that exists (after validation)",
        ("modelversion", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/model-versions/",
        lambda w: {"model": w.model.pk, "version": "1.0.0"},
        409,
        None,
    ),
    Case(
        "frozen version content (after the lock)",
        ("modelversion", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/model-versions/{w.deprecated.pk}/",
        lambda w: {"artifact_uri": "s3://elsewhere"},
        409,
        None,
    ),
    Case(
        "dataset that exists",
        ("dataset", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/datasets/",
        lambda w: {"namespace": "s3://lake", "name": "transactions/raw", "owner_team": "fraud-ml"},
        409,
        None,
    ),
    Case(
        "lineage that would make a cycle (after the lock)",
        ("lineageedge", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/lineage-edges/",
        lambda w: {"source": w.datasets["features"].pk, "target": w.datasets["raw"].pk},
        409,
        None,
    ),
    Case(
        "deployment to the moon",
        ("deployment", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/deployments/",
        lambda w: {"model_version": w.version.pk, "environment": "moon"},
        400,
        None,
    ),
    Case(
        "deployment of a deprecated version",
        ("deployment", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/deployments/",
        lambda w: {"model_version": w.deprecated.pk, "environment": "staging"},
        409,
        # The gate's refusal is recorded on purpose (governance): who asked to deploy what and
        # why not. The deployment itself leaves nothing.
        "governance.gate.refused",
    ),
    Case(
        "deployment re-activated (after the lock)",
        ("deployment", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/deployments/{w.retired_deployment().pk}/",
        lambda w: {"status": "active"},
        409,
        None,
    ),
    Case(
        "incident with a version of another system",
        ("incident", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/incidents/",
        lambda w: {
            "system": w.other_system().pk,
            "model_version": w.version.pk,
            "title": "Mixed up",
            "severity": "low",
        },
        409,
        None,
    ),
    Case(
        "incident by an outsider",
        ("incident", "partial_update"),
        "other_engineer",
        "patch",
        lambda w: f"{S}/incidents/{w.incident.pk}/",
        lambda w: {"status": "resolved"},
        403,
        None,
    ),
    Case(
        "token with a wrong password",
        ("token", "create"),
        "",
        "post",
        lambda w: f"{S}/auth/tokens/",
        lambda w: {"name": "pipeline", "username": "erin", "password": "wrong"},
        401,
        None,
    ),
    Case(
        "token for too long",
        ("token", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/auth/tokens/",
        lambda w: {"name": "forever", "days": 100000},
        400,
        None,
    ),
    Case(
        "someone else's token",
        ("token", "destroy"),
        "other_engineer",
        "delete",
        lambda w: f"{S}/auth/tokens/{w.token.pk}/",
        None,
        404,
        None,
    ),
    # Succeed without changing anything: nothing to record.
    Case(
        "system saved unchanged",
        ("system", "partial_update"),
        "engineer",
        "patch",
        lambda w: f"{S}/systems/{w.system.pk}/",
        lambda w: {"purpose": w.system.purpose},
        200,
        None,
    ),
    Case(
        "lineage recorded again",
        ("lineageedge", "create"),
        "engineer",
        "post",
        lambda w: f"{S}/lineage-edges/",
        lambda w: {
            "source": w.datasets["raw"].pk,
            "target": w.datasets["features"].pk,
            "job_name": "build_features",
        },
        200,
        None,
    ),
    Case(
        "member added again",
        ("team", "members"),
        "engineer",
        "post",
        lambda w: f"{S}/teams/{w.team.pk}/members/",
        lambda w: {"user": "theo"},
        200,
        None,
    ),
]


def _send(api, world, case: Case):
    world.retired_deployment = lambda: services.deployment_update(
        actor=None,
        deployment=services.deployment_create(
            actor=None, model_version=world.version, environment=Environment.STAGING
        ),
        data={"status": "retired"},
    )
    world.other_system = lambda: services.system_create(
        actor=None,
        owning_team=world.team,
        name="Chatbot",
        purpose="Answer customers.",
        risk_tier="minimal",
    )
    path = case.path(world)  # may create objects (and their events) first
    body = case.body(world) if case.body else None
    user = getattr(world, case.user) if case.user else None
    before = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    method = getattr(api(user), case.method)
    kwargs = {"format": "json"} if body is not None else {}
    response = method(path, body, **kwargs, **case.headers(world))
    check(response, case.status)
    return list(AuditEvent.objects.filter(sequence__gt=before or 0).order_by("sequence"))


@pytest.mark.parametrize("case", SUCCESSES, ids=lambda c: c.name)
def test_a_successful_change_leaves_exactly_one_event(api, world, case):
    events = _send(api, world, case)
    assert [e.action for e in events] == [case.action]
    event = events[0]
    assert event.source == AuditSource.API
    assert event.actor_id == (getattr(world, case.user) if case.user else world.engineer).pk
    assert event.request_id


@pytest.mark.parametrize("case", FAILURES, ids=lambda c: c.name)
def test_a_failed_or_empty_request_leaves_no_event(api, world, case):
    events = _send(api, world, case)
    assert [e.action for e in events] == ([case.action] if case.action else [])


def _mutating_routes() -> set[tuple[str, str]]:
    routes = set()
    for _prefix, viewset, basename in router.registry:
        if not viewset.__module__.startswith("registry."):
            continue
        for route in router.get_routes(viewset):
            for method, action in route.mapping.items():
                if method != "get" and hasattr(viewset, action):
                    routes.add((basename, action))
    # Deployments are created through the governance gate, on the same resource.
    routes.add(("deployment", "create"))
    return routes


def test_every_mutating_endpoint_is_covered():
    covered = {case.route for case in SUCCESSES}
    missing = _mutating_routes() - covered
    assert not missing, f"mutating endpoints without a completeness case: {sorted(missing)}"
    failing = {case.route[0] for case in FAILURES}
    assert {basename for basename, _ in _mutating_routes()} <= failing
