"""``manage.py seed_demo [--force]``: load the demo organisation described in ``registry/demo.py``.

Idempotent: every object is looked up by its natural key (username, team slug, system slug, model
name, (model, version), (namespace, name), lineage edge…) and created only when missing, so a
second run changes nothing and records no audit event. Everything except the users themselves
(there is no user service) is created through ``registry.services``, as the system itself
(``actor=None``) with the audit source ``command``, in one transaction: a failure leaves nothing
half-loaded.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from registry import demo
from registry.audit.choices import AuditSource
from registry.audit.services import audit_context
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import CostSource
from registry.inventory.models import (
    AIModel,
    AISystem,
    CostRecord,
    Dataset,
    Deployment,
    Incident,
    ModelVersion,
)
from registry.inventory.selectors import months_back
from registry.people import services as people_services
from registry.people.models import Team

User = get_user_model()


class DemoSeeder:
    """Creates whatever part of the demo organisation is missing, and counts what it created."""

    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.users: dict[str, Any] = {}
        self.teams: dict[str, Team] = {}
        self.datasets: dict[tuple[str, str], Dataset] = {}
        self.systems: dict[str, AISystem] = {}
        self.models: dict[str, AIModel] = {}
        self.versions: dict[tuple[str, str], ModelVersion] = {}
        self._password_hash: str | None = None

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
        return self.created

    # --- people and teams ---------------------------------------------------------------------

    def _demo_password_hash(self) -> str:
        # Hashing is deliberately slow; one hash serves every demo login (they share a password).
        if self._password_hash is None:
            self._password_hash = make_password(demo.DEMO_PASSWORD)
        return self._password_hash

    def seed_people(self) -> None:
        """Demo users with the demo password and their role groups (groups exist by migration)."""
        for person in demo.PEOPLE:
            user = User.objects.filter(username=person.username).first()
            if user is None:
                create = (
                    User.objects.create_superuser
                    if person.is_superuser
                    else User.objects.create_user
                )
                user = create(
                    username=person.username,
                    email=f"{person.username}@{demo.EMAIL_DOMAIN}",
                    password=None,
                    first_name=person.first_name,
                    last_name=person.last_name,
                )
                user.password = self._demo_password_hash()
                user.is_active = person.active
                user.save(update_fields=["password", "is_active"])
                user.groups.add(*[Group.objects.get(name=role) for role in person.roles])
                self.created["users"] += 1
            self.users[person.username] = user

    def seed_teams(self) -> None:
        for spec in demo.TEAMS:
            team = Team.objects.filter(slug=spec.slug).first()
            if team is None:
                members = [self.users[p.username] for p in demo.PEOPLE if p.team == spec.slug]
                team = people_services.team_create(
                    actor=None,
                    name=spec.name,
                    slug=spec.slug,
                    function=spec.function,
                    description=spec.description,
                    lead=self.users[spec.lead],
                    members=members,
                )
                self.created["teams"] += 1
            self.teams[spec.slug] = team

    # --- datasets and lineage -----------------------------------------------------------------

    def seed_datasets(self) -> None:
        for spec in demo.DATASETS:
            dataset = Dataset.objects.filter(namespace=spec.namespace, name=spec.name).first()
            if dataset is None:
                dataset = services.dataset_create(
                    actor=None,
                    namespace=spec.namespace,
                    name=spec.name,
                    description=spec.description,
                    owner_team=self.teams[spec.owner_team],
                    classification=spec.classification,
                    contains_personal_data=spec.contains_personal_data,
                    legal_basis=spec.legal_basis,
                    retention_days=spec.retention_days,
                    source=spec.source,
                )
                self.created["datasets"] += 1
            self.datasets[spec.key] = dataset

    def seed_lineage(self) -> None:
        for edge in demo.LINEAGE:
            _, created = services.lineage_record(
                actor=None,
                source=self.datasets[edge.source.key],
                target=self.datasets[edge.target.key],
                job_namespace=edge.job_namespace,
                job_name=edge.job_name,
            )
            if created:
                self.created["lineage edges"] += 1

    # --- systems, models, versions ------------------------------------------------------------

    def seed_systems(self) -> None:
        for spec in demo.SYSTEMS:
            system = AISystem.objects.filter(slug=spec.slug).first()
            if system is None:
                system = services.system_create(
                    actor=None,
                    owning_team=self.teams[spec.owning_team],
                    name=spec.name,
                    slug=spec.slug,
                    purpose=spec.purpose,
                    intended_use=spec.intended_use,
                    business_unit=spec.business_unit,
                    risk_tier=spec.risk_tier,
                    risk_rationale=spec.risk_rationale,
                    lifecycle=spec.lifecycle,
                    technical_owner=self._user_or_none(spec.technical_owner),
                    accountable_executive=self._user_or_none(spec.accountable_executive),
                    on_call_contact=spec.on_call_contact,
                    cost_centre=spec.cost_centre,
                    monthly_budget=spec.monthly_budget,
                    ai_act_role=spec.ai_act_role,
                    vendor=spec.vendor,
                    human_oversight=spec.human_oversight,
                )
                self.created["systems"] += 1
            self.systems[spec.slug] = system
            for model_spec in spec.models:
                self.seed_model(system, model_spec)

    def seed_model(self, system: AISystem, spec: demo.ModelSpec) -> None:
        model = AIModel.objects.filter(name=spec.name).first()
        if model is None:
            model = services.model_create(
                actor=None,
                system=system,
                name=spec.name,
                description=spec.description,
                task=spec.task,
                framework=spec.framework,
                provider=spec.provider,
                vendor=spec.vendor,
            )
            self.created["models"] += 1
        self.models[spec.name] = model
        for version_spec in spec.versions:
            self.seed_version(model, version_spec)

    def seed_version(self, model: AIModel, spec: demo.VersionSpec) -> None:
        version = ModelVersion.objects.filter(model=model, version=spec.version).first()
        if version is None:
            label = f"{model.name}:{spec.version}"
            version = services.version_create(
                actor=None,
                model=model,
                version=spec.version,
                datasets=[(self.datasets[ds.key], role) for ds, role in spec.datasets],
                artifact_uri=spec.artifact_uri,
                artifact_sha256=demo.digest(f"artifact:{label}"),
                source_commit=demo.digest(f"commit:{label}")[:40],
                run_id=demo.digest(f"run:{label}")[:32],
                metrics=spec.metrics,
                card_intended_use=spec.card_intended_use,
                card_limitations=spec.card_limitations,
                card_evaluation_summary=spec.card_evaluation_summary,
            )
            self.created["versions"] += 1
        self.versions[(model.name, spec.version)] = version

    # --- operations ---------------------------------------------------------------------------

    def seed_deployments(self) -> None:
        """Deployments, then the end of those that have ended (rolled back or retired)."""
        for spec in demo.DEPLOYMENTS:
            version = self.versions[(spec.model, spec.version)]
            deployment = Deployment.objects.filter(
                model_version=version, environment=spec.environment, deployed_at=spec.deployed_at
            ).first()
            if deployment is None:
                deployment = services.deployment_create(
                    actor=None,
                    model_version=version,
                    environment=spec.environment,
                    endpoint=spec.endpoint,
                    notes=spec.notes,
                    deployed_at=spec.deployed_at,
                )
                self.created["deployments"] += 1
            if spec.ended and deployment.status != spec.ended:
                services.deployment_update(
                    actor=None, deployment=deployment, data={"status": spec.ended}
                )
                self.created["deployment endings"] += 1

    def seed_deprecations(self) -> None:
        """Versions that were superseded. Runs after deployments: a deprecated version cannot
        be deployed, and some of these were in production before they were replaced."""
        for system in demo.SYSTEMS:
            for model_spec in system.models:
                for spec in model_spec.versions:
                    version = self.versions[(model_spec.name, spec.version)]
                    version.refresh_from_db(fields=["status"])
                    if spec.deprecated and version.status != "deprecated":
                        services.version_update(
                            actor=None, version=version, data={"status": "deprecated"}
                        )
                        self.created["version deprecations"] += 1

    def seed_incidents(self) -> None:
        now = timezone.now()
        for spec in demo.INCIDENTS:
            system = self.systems[spec.system]
            if Incident.objects.filter(system=system, title=spec.title).exists():
                continue
            services.incident_create(
                actor=None,
                system=system,
                title=spec.title,
                severity=spec.severity,
                description=spec.description,
                status=spec.status,
                owner=self._user_or_none(spec.owner),
                model_version=(
                    self.versions[(spec.model, spec.version)]
                    if spec.model and spec.version
                    else None
                ),
                opened_at=spec.opened(now),
                resolved_at=spec.resolved_at,
                is_serious=spec.is_serious,
                serious_category=spec.serious_category,
            )
            self.created["incidents"] += 1

    def seed_spend(self) -> None:
        """A year of monthly spend per system, from the FinOps pipeline, up to this month."""
        periods = months_back(timezone.localdate(), demo.SPEND_MONTHS)[::-1]  # newest first
        source = CostSource.FINOPS_PIPELINE
        for spec in demo.SYSTEMS:
            system = self.systems[spec.slug]
            for months_ago, period in enumerate(periods):
                amount = demo.monthly_spend(spec, months_ago)
                if amount is None:
                    continue
                if CostRecord.objects.filter(system=system, period=period, source=source).exists():
                    continue
                services.cost_record(
                    actor=None,
                    system=system,
                    period=period,
                    amount=amount,
                    currency=system.budget_currency,
                    source=source,
                )
                self.created["monthly cost records"] += 1

    def _user_or_none(self, username: str | None) -> Any:
        return self.users[username] if username else None


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(username, full name, roles, teams) for every demo person, read back from the database."""
    rows = []
    role_names = {r.value for r in Role}
    for person in demo.PEOPLE:
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


class Command(BaseCommand):
    help = (
        "Load the Northbridge Bank demo organisation (people, teams, AI systems, models, "
        "versions, datasets, lineage, deployments, incidents). Safe to run again: it only adds "
        "what is missing. Refuses to run in production unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even when STEWARD_ENV=production (it creates users with a "
            "published password).",
        )

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if settings.PRODUCTION and not force:
            raise CommandError(
                "Refusing to load demo data in production: it creates users whose password is "
                f"published ({demo.DEMO_PASSWORD!r}). Use --force if you really mean it."
            )
        seeder = DemoSeeder()
        with audit_context(source=AuditSource.COMMAND), transaction.atomic():
            created = seeder.run()
        if options["verbosity"] >= 1:
            self._report(created)

    def _report(self, created: Counter[str]) -> None:
        if created:
            summary = ", ".join(f"{n} {kind}" for kind, n in created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        else:
            self.stdout.write("Demo data already loaded: nothing to do.")
        rows = demo_logins()
        header = ("username", "name", "roles", "team")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Demo logins (password: {demo.DEMO_PASSWORD})")
        )
        for i, row in enumerate([header, *rows]):
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  " + line.rstrip())
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
