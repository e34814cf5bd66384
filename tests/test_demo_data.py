"""The demo organisation (``manage.py seed_demo``): believable, complete, idempotent and audited;
and its document (``demo/organisation.yaml``), refused with a message naming the place when it
is not what the seeder expects."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
import yaml
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from demo import document, seeder
from demo.document import DocumentError
from registry.audit.choices import AuditSource
from registry.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent
from registry.audit.services import chain_hash
from registry.core.roles import Role
from registry.inventory.choices import Environment, Lifecycle, RiskTier
from registry.inventory.models import (
    AIModel,
    AISystem,
    CostRecord,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
    ModelVersionDataset,
)
from registry.people.models import Team

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
def seeded(db) -> str:
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
def test_refuses_in_production_without_force(db):
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not AuditEvent.objects.exists()
    assert not User.objects.exists()

    seed("--force")
    assert AISystem.objects.count() == len(ORGANISATION.systems)


# --- The document --------------------------------------------------------------------------


def document_with(change: Callable[[dict[str, Any]], None]) -> str:
    """The demo document's text after ``change`` edited what it holds."""
    data = yaml.safe_load(document.DOCUMENT.read_text(encoding="utf-8"))
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def version(data: dict[str, Any], system: int, model: int, version: int) -> dict[str, Any]:
    return data["systems"][system]["models"][model]["versions"][version]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: version(d, 3, 0, 1).update(digets="auto"),
            "systems[3].models[0].versions[1]: unknown key 'digets'",
        ),
        (
            lambda d: version(d, 0, 0, 0).update(deprecatd=True),
            "systems[0].models[0].versions[0]: unknown key 'deprecatd' (did you mean "
            "'deprecated'?)",
        ),
        (lambda d: d["people"][2].pop("username"), "people[2]: missing key 'username'"),
        (lambda d: d.pop("spend"), "the document: missing key 'spend'"),
        (
            lambda d: d["systems"][12].pop("technical_owner"),
            "systems[12]: missing key 'technical_owner'",
        ),
        (
            lambda d: version(d, 15, 0, 0).update(version=7.1),
            "systems[15].models[0].versions[0].version: expected text, got 7.1 (quote it)",
        ),
        (
            lambda d: d["datasets"][0].update(classification="secret"),
            "datasets[0].classification: 'secret' is not one of 'public', 'internal'",
        ),
        (
            lambda d: d["datasets"][0].update(retention_days="a month"),
            "datasets[0].retention_days: expected a whole number, got 'a month'",
        ),
        (
            lambda d: version(d, 0, 0, 0)["deployments"][0].update(deployed_at="last Tuesday"),
            "systems[0].models[0].versions[0].deployments[0].deployed_at: 'last Tuesday' is "
            "neither a time",
        ),
        (
            lambda d: d["governance"]["approvals"][1]["signoffs"][0].update(after="soon"),
            "governance.approvals[1].signoffs[0].after: 'soon' is not a duration",
        ),
        (lambda d: d.update(teams={}), "teams: expected a list, got {}"),
    ],
)
def test_a_document_of_the_wrong_shape_is_refused_naming_the_place(change, message):
    with pytest.raises(DocumentError) as raised:
        document.parse(document_with(change))
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["systems"][0].update(technical_owner="nobody"),
            "systems[0].technical_owner: no person 'nobody' in the document",
        ),
        (
            lambda d: d["people"][0].update(team="fraud"),
            "people[0].team: no team 'fraud' in the document",
        ),
        (
            lambda d: d["teams"][0].update(lead="jonas"),
            "teams[0].lead: 'jonas' is not a member of 'fraud-ml'",
        ),
        (
            lambda d: d["lineage"]["jobs"][1]["inputs"].append("s3://lake/raw/nothing"),
            "lineage.jobs[1].inputs[1]: no dataset 's3://lake/raw/nothing' in the document",
        ),
        (
            lambda d: version(d, 0, 0, 0)["datasets"].update({"s3://lake/x": "training"}),
            "systems[0].models[0].versions[0].datasets: no dataset 's3://lake/x'",
        ),
        (
            lambda d: d["systems"][0]["incidents"][0].update(version="9.9.9"),
            "systems[0].incidents[0].version: no version '9.9.9' of 'card-fraud-xgb'",
        ),
        (
            lambda d: d["systems"][0]["incidents"][0].pop("version"),
            "systems[0].incidents[0]: 'model' and 'version' go together",
        ),
        (
            lambda d: d["governance"]["approvals"][0].update(model="card-fraud-rf"),
            "governance.approvals[0].model: no model 'card-fraud-rf' in the document",
        ),
        (
            lambda d: d["governance"]["reviews"][0].update(system="card-fraud"),
            "governance.reviews[0].system: no system 'card-fraud' in the document",
        ),
        (
            lambda d: d["spend"]["over_budget_this_month_percent"].update(nothing=150),
            "spend.over_budget_this_month_percent: no system 'nothing' in the document",
        ),
        (
            lambda d: d["datasets"].append(d["datasets"][0]),
            "datasets[32]: 'kafka://events.northbridge.internal:9092/card-authorisations' is "
            "described twice",
        ),
        (
            lambda d: d["systems"][1]["models"].append(d["systems"][0]["models"][0]),
            "systems[1].models[1]: 'card-fraud-xgb' is described twice",
        ),
    ],
)
def test_a_reference_to_what_the_document_does_not_describe_is_refused(change, message):
    with pytest.raises(DocumentError) as raised:
        document.parse(document_with(change))
    assert str(raised.value).startswith(message)


def test_text_that_is_not_yaml_is_refused():
    with pytest.raises(DocumentError, match="not valid YAML"):
        document.parse("people: [priya\n")


def test_the_command_names_the_document_and_seeds_nothing_when_it_is_wrong(
    db, tmp_path, monkeypatch
):
    path = tmp_path / "organisation.yaml"
    path.write_text(document_with(lambda d: version(d, 3, 0, 1).update(digets="auto")))
    monkeypatch.setattr(document, "DOCUMENT", path)
    with pytest.raises(CommandError) as raised:
        seed()
    assert str(raised.value) == (
        "organisation.yaml: systems[3].models[0].versions[1]: unknown key 'digets'"
    )
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_state_the_services_do_not_reach_is_refused_and_nothing_is_kept(db, tmp_path):
    # The minimal tier needs security alone: one sign-off approves, so "pending" is wrong.
    text = document_with(lambda d: d["governance"]["approvals"][0].update(state="pending"))
    with pytest.raises(DocumentError, match=r"governance.approvals\[0\].state: the document"):
        seeder.seed(document.parse(text))
    assert not AuditEvent.objects.exists()
    assert not AISystem.objects.exists()


def test_times_are_fixed_utc_or_relative_to_one_now():
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    assert document.parse_when("2026-06-24 09:30").at(now) == dt.datetime(
        2026, 6, 24, 9, 30, tzinfo=dt.UTC
    )
    assert document.parse_when("8 days ago").at(now) == now - dt.timedelta(days=8)
    assert document.parse_when("in 12 days").at(now) == now + dt.timedelta(days=12)
    assert document.parse_when("14 days 6 hours ago").at(now) == now - dt.timedelta(
        days=14, hours=6
    )
    assert document.parse_when("1 hour ago").at(now) == now - dt.timedelta(hours=1)
    assert document.parse_duration("6 hours") == dt.timedelta(hours=6)
    with pytest.raises(ValueError):
        document.parse_duration("")


def test_digests_are_derived_from_the_label_unless_written_out():
    model = ORGANISATION.systems[0].models[0]
    digests = document.version_digests(ORGANISATION, model.name, model.versions[0])
    assert len(digests["artifact_sha256"]) == 64
    assert len(digests["source_commit"]) == 40
    assert len(digests["run_id"]) == 32
    others = document.version_digests(ORGANISATION, model.name, model.versions[1])
    assert digests != others
    assert digests == document.version_digests(ORGANISATION, model.name, model.versions[0])

    text = document_with(
        lambda d: version(d, 0, 0, 0).update(artifact_sha256="ab" * 32, run_id="auto")
    )
    written = document.parse(text)
    model = written.systems[0].models[0]
    assert document.version_digests(written, model.name, model.versions[0]) == digests | {
        "artifact_sha256": "ab" * 32
    }


def test_usual_spend_is_between_the_documents_shares_of_the_budget():
    usual = ORGANISATION.spend.usual_percent_of_budget
    for system in ORGANISATION.systems:
        for months_ago in range(1, ORGANISATION.spend.months):
            amount = document.monthly_spend(ORGANISATION.spend, system, months_ago)
            if amount is None:
                assert not system.monthly_budget or system.lifecycle in document.NOT_RUNNING
                continue
            share = amount / system.monthly_budget * 100
            assert usual.low <= share <= usual.high, (system.slug, months_ago)
