"""The demo organisation (``manage.py seed_demo``): believable, complete, idempotent and audited."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from demo import document
from registry.audit import chain_hash
from registry.choices import AuditSource, Environment, Lifecycle, RiskTier, Role
from registry.models import (
    AIModel,
    AISystem,
    AuditChainHead,
    AuditEvent,
    CostRecord,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
    ModelVersionDataset,
    Team,
)
from registry.models.audit import GENESIS_HASH

pytestmark = pytest.mark.django_db
User = get_user_model()
ORGANISATION = document.load()


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows in every registry and governance table, plus users, groups, memberships and object
    grants."""
    models = [
        *apps.get_app_config("registry").get_models(include_auto_created=True),
        *apps.get_app_config("governance").get_models(include_auto_created=True),
        *apps.get_app_config("auth").get_models(include_auto_created=True),
        *apps.get_app_config("guardian").get_models(include_auto_created=True),
    ]
    return {m._meta.label: m.objects.count() for m in models}


@pytest.fixture
def seeded() -> str:
    return seed()


def test_second_run_changes_nothing_and_records_no_audit_event(seeded):
    before = row_counts()
    head = AuditChainHead.objects.get()
    assert before["registry.AuditEvent"] > 100

    output = seed()

    assert row_counts() == before
    assert AuditChainHead.objects.get().sequence == head.sequence
    assert "nothing to do" in output


def test_every_seeded_object_left_one_command_audit_event(seeded):
    actions = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert actions["registry.team.created"] == Team.objects.count()
    assert actions["registry.system.created"] == AISystem.objects.count()
    assert actions["registry.model.created"] == AIModel.objects.count()
    assert actions["registry.version.created"] == ModelVersion.objects.count()
    assert actions["registry.dataset.created"] == Dataset.objects.count()
    assert actions["registry.lineage.recorded"] == DatasetLineage.objects.count()
    assert actions["registry.deployment.created"] == Deployment.objects.count()
    assert actions["registry.incident.created"] == Incident.objects.count()
    sources = set(AuditEvent.objects.values_list("source", flat=True))
    assert sources == {AuditSource.COMMAND}
    assert AuditEvent.objects.values("request_id").distinct().count() == 1


def test_audit_chain_is_gapless_after_seeding(seeded):
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    previous = GENESIS_HASH
    for event in events:
        assert event.prev_hash == previous, f"broken link at #{event.sequence}"
        assert event.hash == chain_hash(event.prev_hash, event.canonical.encode("utf-8"))
        previous = event.hash
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (events[-1].sequence, events[-1].hash)


def test_counts_are_those_of_a_believable_organisation(seeded):
    assert 8 <= Team.objects.count() <= 12
    assert 14 <= User.objects.count() <= 18
    assert 18 <= AISystem.objects.count() <= 22
    assert 18 <= AIModel.objects.count() <= 35
    assert 20 <= ModelVersion.objects.count() <= 60
    assert 20 <= Dataset.objects.count() <= 35
    assert DatasetLineage.objects.count() >= 20
    assert ModelVersionDataset.objects.count() >= 30
    assert set(Deployment.objects.values_list("environment", flat=True)) == set(Environment)
    assert 3 <= Incident.objects.count() <= 10
    assert Incident.objects.filter(is_serious=True, report_due_at__isnull=False).exists()


def test_every_risk_tier_and_lifecycle_stage_appears(seeded):
    assert set(AISystem.objects.values_list("risk_tier", flat=True)) == set(RiskTier)
    assert set(AISystem.objects.values_list("lifecycle", flat=True)) == set(Lifecycle)
    # The prohibited proposal stays a proposal.
    assert set(
        AISystem.objects.filter(risk_tier=RiskTier.UNACCEPTABLE).values_list("lifecycle", flat=True)
    ) == {Lifecycle.PROPOSED}
    for system in AISystem.objects.filter(risk_tier=RiskTier.HIGH):
        assert "Annex III" in system.risk_rationale, system.slug


def test_every_role_has_a_user_and_every_team_a_lead_who_is_a_member(seeded):
    for role in Role:
        assert User.objects.filter(groups__name=role).exists(), role
    for team in Team.objects.select_related("lead", "group"):
        assert team.lead is not None, team.slug
        assert team.group.user_set.filter(pk=team.lead.pk).exists(), team.slug


def test_demo_logins_use_the_demo_password_and_are_printed(seeded):
    password = ORGANISATION.logins.password
    for person in ORGANISATION.people:
        user = authenticate(username=person.username, password=password)
        if person.active:
            assert user is not None, person.username
            assert person.username in seeded
        else:  # someone who left: the account stays, disabled, and is not offered as a login
            assert user is None, person.username
            assert not User.objects.get(username=person.username).is_active
    assert password in seeded


def test_deliberate_gaps_are_there_for_the_accountability_map(seeded):
    assert AISystem.objects.filter(technical_owner__isnull=True).exists()
    assert AISystem.objects.filter(technical_owner__is_active=False).exists()
    assert AISystem.objects.filter(accountable_executive__isnull=True).exists()
    assert AISystem.objects.filter(cost_centre="").exists()


def test_a_year_of_spend_with_two_systems_over_budget_this_month(seeded):
    this_month = timezone.localdate().replace(day=1)
    latest = CostRecord.objects.filter(period=this_month).select_related("system")
    over = sorted(r.system.slug for r in latest if r.amount > r.system.monthly_budget)
    assert over == sorted(ORGANISATION.spend.over_budget_this_month_percent)
    fraud = AISystem.objects.get(slug="card-fraud-scoring")
    assert fraud.cost_records.count() == ORGANISATION.spend.months
    assert not CostRecord.objects.filter(system__lifecycle__in=["proposed", "retired"]).exists()


def test_fraud_lineage_has_a_diamond(seeded):
    clean = Dataset.objects.get(namespace="s3://lake", name="cleaned/card_transactions")
    training = Dataset.objects.get(namespace="s3://lake", name="features/fraud/training_set")
    middles = set(
        DatasetLineage.objects.filter(source=clean).values_list("target_id", flat=True)
    ) & set(DatasetLineage.objects.filter(target=training).values_list("source_id", flat=True))
    assert len(middles) >= 2


@override_settings(PRODUCTION=True)
def test_refuses_in_production_without_force():
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not AuditEvent.objects.exists()
    assert not User.objects.exists()

    seed("--force")
    assert AISystem.objects.count() == len(ORGANISATION.systems)
