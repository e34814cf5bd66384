"""The demo seeder: turns the document (``demo/organisation.yaml``, read by ``demo.document``)
into records, through the services, exactly as a person or a task would have made them.

Idempotent: every object is looked up by its natural key (username, team slug, (namespace,
name), lineage edge, system slug, model name, (model, version), deployment (version,
environment, time), incident (system, title), cost record (system, month, source), review
(system, function), finding (system, title), approval request (version, environment)) and
created only when missing, so a second run changes nothing and records no audit event.

Everything except the users themselves (there is no user service) is created through the
services, in one transaction, with the audit source ``command``: the organisation, the reviews
and the findings as the system itself (``actor=None``); approval requests, sign-offs, review
starts and completions, re-deployments and corrections by the people the document names.
``now`` is read once and every relative time of the document is taken from it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone

from governance.approvals import services as gov

# Steward's services, models and helpers: every import of the project's own code is here.
from governance.reviews import findings
from governance.reviews import services as reviews
from registry.audit.choices import AuditSource
from registry.audit.services import audit_context
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import DeploymentStatus, VersionStatus
from registry.inventory.models import AIModel, AISystem, Dataset, ModelVersion
from registry.inventory.selectors import months_back
from registry.people import services as people_services
from registry.people.models import Team

from . import document
from .document import DocumentError, Organisation

User = get_user_model()
CENT = Decimal("0.01")
M = TypeVar("M", bound=models.Model)


def seed(organisation: Organisation | None = None, *, now: dt.datetime | None = None) -> Counter:
    """Seed whatever part of the demo is missing, in one transaction, audited as a command.
    Returns what it created, by kind."""
    seeder = DemoSeeder(organisation or document.load(), now=now or timezone.now())
    with audit_context(source=AuditSource.COMMAND), transaction.atomic():
        return seeder.run()


def _pick(spec: Any, names: str) -> dict[str, Any]:
    """The fields ``names`` (space-separated) of a document record, for a service that takes
    them under the same names."""
    return {name: getattr(spec, name) for name in names.split()}


class DemoSeeder:
    """Creates whatever part of the demo organisation is missing, and counts what it created."""

    def __init__(self, organisation: Organisation, *, now: dt.datetime) -> None:
        self.org = organisation
        self.now = now
        self.created: Counter[str] = Counter()
        self.users: dict[str, Any] = {}
        self.teams: dict[str, Team] = {}
        self.datasets: dict[str, Dataset] = {}
        self.systems: dict[str, AISystem] = {}
        self.versions: dict[tuple[str, str], ModelVersion] = {}

    def run(self) -> Counter[str]:
        """Seed everything, in dependency order. Call inside a transaction and audit context."""
        self.seed_people()
        self.seed_teams()
        self.seed_datasets()
        self.seed_lineage()
        self.seed_systems()
        self.seed_deployments()
        self.seed_deprecations()
        self.seed_incidents()
        self.seed_spend()
        self.seed_reviews()
        self.seed_findings()
        self.seed_approvals()
        return self.created

    def _ensure(
        self, kind: str, existing: models.QuerySet[M], create: Callable[..., M], **fields: Any
    ) -> M:
        """What ``existing`` finds, or else what ``create`` makes from ``fields``, counted as
        ``kind``: the seeder only adds what is missing."""
        found = existing.first()
        if found is None:
            found = create(**fields)
            self.created[kind] += 1
        return found

    def _user(self, username: str | None) -> Any:
        return self.users[username] if username else None

    def _at(self, when: document.When | None) -> dt.datetime | None:
        return when.at(self.now) if when else None

    def _versions(self) -> list[tuple[document.Model, document.Version]]:
        return [
            (model, version)
            for system in self.org.systems
            for model in system.models
            for version in model.versions
        ]

    # --- people and teams ---------------------------------------------------------------------

    def seed_people(self) -> None:
        """Demo users with the demo password and their role groups (groups exist by migration)."""
        logins = self.org.logins
        password_hash = None
        for person in self.org.people:
            user = User.objects.filter(username=person.username).first()
            if user is None:
                create = (
                    User.objects.create_superuser if person.superuser else User.objects.create_user
                )
                user = create(
                    email=f"{person.username}@{logins.email_domain}",
                    password=None,
                    **_pick(person, "username first_name last_name"),
                )
                # Hashing is deliberately slow; one hash serves every demo login (they share it).
                password_hash = password_hash or make_password(logins.password)
                user.password = password_hash
                user.is_active = person.active
                user.save(update_fields=["password", "is_active"])
                user.groups.add(*[Group.objects.get(name=role) for role in person.roles])
                self.created["users"] += 1
            self.users[person.username] = user

    def seed_teams(self) -> None:
        for spec in self.org.teams:
            self.teams[spec.slug] = self._ensure(
                "teams",
                Team.objects.filter(slug=spec.slug),
                people_services.team_create,
                actor=None,
                lead=self.users[spec.lead],
                members=[self.users[p.username] for p in self.org.people if p.team == spec.slug],
                **_pick(spec, "name slug function description"),
            )

    # --- datasets and lineage -----------------------------------------------------------------

    def seed_datasets(self) -> None:
        for spec in self.org.datasets:
            self.datasets[spec.key] = self._ensure(
                "datasets",
                Dataset.objects.filter(namespace=spec.namespace, name=spec.name),
                services.dataset_create,
                actor=None,
                owner_team=self.teams[spec.owner_team],
                **_pick(
                    spec,
                    "namespace name description classification contains_personal_data "
                    "legal_basis retention_days source",
                ),
            )

    def seed_lineage(self) -> None:
        for job in self.org.lineage.jobs:
            for source in job.inputs:
                _, created = services.lineage_record(
                    actor=None,
                    source=self.datasets[source],
                    target=self.datasets[job.output],
                    job_namespace=job.job_namespace or self.org.lineage.job_namespace,
                    job_name=job.job,
                )
                if created:
                    self.created["lineage edges"] += 1

    # --- systems, models, versions ------------------------------------------------------------

    def seed_systems(self) -> None:
        for spec in self.org.systems:
            budget = spec.monthly_budget
            system = self._ensure(
                "systems",
                AISystem.objects.filter(slug=spec.slug),
                services.system_create,
                actor=None,
                owning_team=self.teams[spec.owning_team],
                technical_owner=self._user(spec.technical_owner),
                accountable_executive=self._user(spec.accountable_executive),
                monthly_budget=budget.quantize(CENT) if budget is not None else None,
                **_pick(
                    spec,
                    "name slug purpose intended_use business_unit risk_tier risk_rationale "
                    "lifecycle on_call_contact cost_centre ai_act_role vendor human_oversight",
                ),
            )
            self.systems[spec.slug] = system
            for model_spec in spec.models:
                model = self._ensure(
                    "models",
                    AIModel.objects.filter(name=model_spec.name),
                    services.model_create,
                    actor=None,
                    system=system,
                    **_pick(model_spec, "name description task framework provider vendor"),
                )
                for version_spec in model_spec.versions:
                    self.seed_version(model, version_spec)

    def seed_version(self, model: AIModel, spec: document.Version) -> None:
        self.versions[(model.name, spec.version)] = self._ensure(
            "versions",
            model.versions.filter(version=spec.version),
            services.version_create,
            actor=None,
            model=model,
            datasets=[(self.datasets[name], role) for name, role in spec.datasets.items()],
            card_intended_use=spec.card.intended_use,
            card_limitations=spec.card.limitations,
            card_evaluation_summary=spec.card.evaluation_summary,
            **_pick(spec, "version artifact_uri metrics"),
            **document.version_digests(self.org, model.name, spec),
        )

    # --- operations ---------------------------------------------------------------------------

    def seed_deployments(self) -> None:
        """Deployments, then the end of those that have ended (rolled back or retired)."""
        for model_spec, version_spec in self._versions():
            version = self.versions[(model_spec.name, version_spec.version)]
            for spec in version_spec.deployments:
                deployed_at = spec.deployed_at.at(self.now)
                deployment = self._ensure(
                    "deployments",
                    version.deployments.filter(
                        environment=spec.environment, deployed_at=deployed_at
                    ),
                    services.deployment_create,
                    actor=None,
                    model_version=version,
                    deployed_at=deployed_at,
                    **_pick(spec, "environment endpoint notes"),
                )
                if spec.ended and deployment.status != spec.ended:
                    services.deployment_update(
                        actor=None, deployment=deployment, data={"status": spec.ended}
                    )
                    self.created["deployment endings"] += 1

    def seed_deprecations(self) -> None:
        """Versions that were superseded. Runs after deployments: a deprecated version cannot
        be deployed, and some of these were in production before they were replaced."""
        for model_spec, spec in self._versions():
            version = self.versions[(model_spec.name, spec.version)]
            version.refresh_from_db(fields=["status"])
            if spec.deprecated and version.status != VersionStatus.DEPRECATED:
                services.version_update(
                    actor=None, version=version, data={"status": VersionStatus.DEPRECATED}
                )
                self.created["version deprecations"] += 1

    def seed_incidents(self) -> None:
        for system_spec in self.org.systems:
            system = self.systems[system_spec.slug]
            for spec in system_spec.incidents:
                self._ensure(
                    "incidents",
                    system.incidents.filter(title=spec.title),
                    services.incident_create,
                    actor=None,
                    system=system,
                    owner=self._user(spec.owner),
                    model_version=self.versions.get((spec.model, spec.version)),
                    opened_at=self._at(spec.opened_at),
                    resolved_at=self._at(spec.resolved_at),
                    serious_category=spec.serious_category or "",
                    **_pick(spec, "title severity description status is_serious"),
                )

    def seed_spend(self) -> None:
        """A year of monthly spend per system, from the FinOps pipeline, up to this month."""
        spend = self.org.spend
        periods = months_back(timezone.localdate(self.now), spend.months)[::-1]  # newest first
        for spec in self.org.systems:
            system = self.systems[spec.slug]
            for months_ago, period in enumerate(periods):
                amount = document.monthly_spend(spend, spec, months_ago)
                if amount is not None:
                    self._ensure(
                        "monthly cost records",
                        system.cost_records.filter(period=period, source=spend.source),
                        services.cost_record,
                        actor=None,
                        system=system,
                        period=period,
                        amount=amount,
                        currency=system.budget_currency,
                        source=spend.source,
                    )

    # --- governance ---------------------------------------------------------------------------

    def seed_reviews(self) -> None:
        for spec in self.org.governance.reviews:
            system = self.systems[spec.system]
            if spec.completed:
                kind = "completed reviews (each opened its successor)"
            else:
                kind = "open reviews" if spec.due.at(self.now) > self.now else "overdue reviews"
            existing = system.risk_reviews.filter(function=spec.function)
            self._ensure(kind, existing, self.review_history, system=system, spec=spec)

    def review_history(self, *, system: AISystem, spec: document.Review) -> Any:
        """A review opened by the system, then started or completed by its assignee."""
        assignee = self.users[spec.assignee]
        review = reviews.review_create(
            actor=None,
            system=system,
            function=spec.function,
            assignee=assignee,
            due_at=spec.due.at(self.now),
            now=spec.opened.at(self.now),
        )
        if spec.started:
            reviews.review_start(actor=assignee, review=review, now=spec.started.at(self.now))
        if spec.completed:
            reviews.review_complete(
                actor=assignee,
                review=review,
                now=spec.completed.at.at(self.now),
                **_pick(spec.completed, "rating recommendation summary"),
            )
        return review

    def seed_findings(self) -> None:
        for spec in self.org.governance.findings:
            system = self.systems[spec.system]
            target = self._at(spec.target_date)
            existing = system.risk_findings.filter(title=spec.title)
            self._ensure(
                "findings",
                existing,
                findings.finding_create,
                actor=None,
                system=system,
                owner=self._user(spec.owner),
                target_date=target.date() if target else None,
                now=self.now,
                **_pick(
                    spec, "title category inherent_rating residual_rating description mitigation"
                ),
            )

    def seed_approvals(self) -> None:
        for i, spec in enumerate(self.org.governance.approvals):
            version = ModelVersion.objects.get(model__name=spec.model, version=spec.version)
            existing = version.approval_requests.filter(environment=spec.environment)
            kind = f"{spec.state} approval requests"
            self._ensure(kind, existing, self.approval_history, version=version, spec=spec, i=i)

    def approval_history(self, *, version: ModelVersion, spec: document.Approval, i: int) -> Any:
        """A request by its requester, signed by its signers, and what happened afterwards;
        refused unless it ends in the state the document says."""
        requester = self.users[spec.requested_by]
        requested_at = spec.requested.at(self.now)
        approval = gov.approval_request(
            actor=requester,
            model_version=version,
            environment=spec.environment,
            justification=spec.justification,
            now=requested_at,
        )
        for signoff in spec.signoffs:
            gov.signoff_record(
                actor=self.users[signoff.by],
                approval=approval,
                now=requested_at + signoff.after,
                **_pick(signoff, "function decision comment"),
            )
        if spec.redeploy:
            at = requested_at + spec.redeploy.after
            self.redeploy_through_the_gate(version, spec, requester, at=at)
        if spec.expiry_task_runs:
            gov.approvals_expire(now=self.now)
        if spec.datasets_added:
            self.add_datasets(version, spec.datasets_added, requester)
        approval.refresh_from_db()
        if approval.status != spec.state:
            raise DocumentError(
                f"governance.approvals[{i}].state: the document says {spec.state!r}, but the "
                f"services left the request {approval.status!r}"
            )
        return approval

    def redeploy_through_the_gate(
        self, version: ModelVersion, spec: document.Approval, actor: Any, *, at: dt.datetime
    ) -> None:
        """Replace the version's deployment, recorded before approvals existed, by one made
        through the gate with the approval just given."""
        old = version.deployments.get(environment=spec.environment, status=DeploymentStatus.ACTIVE)
        services.deployment_update(
            actor=actor, deployment=old, data={"status": DeploymentStatus.RETIRED}
        )
        gov.deployment_record(
            actor=actor,
            model_version=version,
            environment=spec.environment,
            endpoint=old.endpoint,
            notes=spec.redeploy.notes if spec.redeploy else "",
            deployed_at=at,
            now=at,
        )

    def add_datasets(self, version: ModelVersion, added: dict[str, str], actor: Any) -> None:
        """Correct the version's lineage as its engineer would, through the registry."""
        links = [(link.dataset, link.role) for link in version.dataset_links.all()]
        links += [(self.datasets[name], role) for name, role in added.items()]
        services.version_update(actor=actor, version=version, data={}, datasets=links)


def demo_logins(organisation: Organisation) -> list[tuple[str, str, str, str]]:
    """(username, full name, roles, teams) for every demo person, read back from the database."""
    rows = []
    role_names = {r.value for r in Role}
    for person in organisation.people:
        user = User.objects.filter(username=person.username).first()
        if user is None or not user.is_active:  # someone who left cannot sign in
            continue
        roles = sorted(user.groups.filter(name__in=role_names).values_list("name", flat=True))
        if user.is_superuser:
            roles.insert(0, "superuser")
        teams = [
            f"{team.slug} (lead)" if team.lead_id == user.pk else team.slug
            for team in Team.objects.filter(group__user=user).order_by("slug")
        ]
        rows.append(
            (user.username, user.get_full_name(), ", ".join(roles) or "-", ", ".join(teams) or "-")
        )
    return rows
