"""``manage.py seed_governance_demo [--force]``: the governance part of the Northbridge demo.

Run after ``seed_demo`` (``make demo`` runs both). It adds, through governance's services, as
the system itself with the audit source ``command``, in one transaction:

* risk reviews of the production systems — some overdue by hours, some by days, one in
  progress, one completed (which opened its successor), one not yet due — so that the worker's
  first chase emails reminders and escalations to the console;
* a few findings in the risk register;
* deployment approval requests: one pending with two of its five sign-offs and past its SLA
  (so the missing functions are chased too); several approved, some of them after the fact for
  versions already in production; one whose validity ran out (expired by the expiry task) and
  one invalidated when its engineer corrected the version's training data.

Times are relative to when it runs (overdue means overdue now). Idempotent: a review is looked
up by (system, function), a finding by (system, title), a request by (version, environment);
what exists is left alone, so a second run changes nothing and records no audit event.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from governance.approvals import services as gov
from governance.approvals.models import ApprovalRequest
from governance.reviews import findings
from governance.reviews import services as reviews
from governance.reviews.models import RiskFinding, RiskReview
from registry.audit.choices import AuditSource
from registry.audit.services import audit_context
from registry.inventory import services as registry_services
from registry.inventory.choices import DatasetRole, DeploymentStatus, Environment
from registry.inventory.models import AISystem, Dataset, Deployment, ModelVersion

User = get_user_model()
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class ReviewSpec:
    system: str
    function: str
    assignee: str
    due_in: dt.timedelta  # negative: overdue
    state: str = "open"  # open, in_progress, completed


# The reviewers are the leads of their functions' teams (claire legal, viktor security, ines
# privacy, hannah finance, grace compliance), so an overdue review reaches them as team lead
# after the first escalation step; the accountable executive (helena, daniel) after the second.
REVIEWS = (
    # Minimal tier (daily reminders, escalation after 72 h and 168 h): a reminder.
    ReviewSpec("card-fraud-scoring", "security", "viktor", -6 * HOUR),
    # High tier (daily, 24 h and 72 h): past the first step, then past the second.
    ReviewSpec("credit-decisioning", "legal", "claire", -30 * HOUR),
    ReviewSpec("cv-screening", "privacy", "ines", -4 * DAY),
    # Limited tier (daily, 48 h and 120 h), being worked on but late.
    ReviewSpec("customer-support-assistant", "compliance", "grace", -20 * HOUR, "in_progress"),
    # Done a month ago: its successor is due in two months (90-day security cadence).
    ReviewSpec("credit-decisioning", "security", "viktor", -35 * DAY, "completed"),
    # Not yet due: nobody is chased.
    ReviewSpec("cv-screening", "finance", "hannah", 12 * DAY),
)

FINDINGS = (
    {
        "system": "credit-decisioning",
        "title": "Bureau field default correlates with postcode",
        "category": "bias",
        "inherent_rating": "critical",
        "residual_rating": "high",
        "description": "A renamed bureau field was filled with a default that tracks postcode; "
        "decline rates rose in two areas (see the serious incident).",
        "mitigation": "Schema contract on the bureau feed; re-decide affected applications; "
        "monthly disparity report by region.",
        "owner": "omar",
        "target_in": 21 * DAY,
    },
    {
        "system": "cv-screening",
        "title": "CVs of rejected candidates kept beyond the retention period",
        "category": "privacy",
        "inherent_rating": "high",
        "residual_rating": "medium",
        "mitigation": "Vendor to purge after 6 months; quarterly deletion evidence.",
        "owner": "lars",
        "target_in": -3 * DAY,
    },
)


@dataclass(frozen=True)
class ApprovalSpec:
    model: str
    version: str
    requester: str
    justification: str
    requested_ago: dt.timedelta
    signers: tuple[tuple[str, str], ...]  # (function, username), all approving
    # What happens after the sign-offs: "" nothing; "redeployed" the requester re-deploys the
    # running version through the gate, replacing the deployment recorded before approvals;
    # "expired" the expiry task runs (its validity has run out); "invalidated" the requester
    # corrects the version's training data.
    then: str = ""


APPROVALS = (
    # Minimal tier: security alone signs; approved.
    ApprovalSpec(
        "card-fraud-xgb",
        "2.5.0",
        "priya",
        "Shadow scoring clean for two weeks; +1 point recall at the same false-positive rate.",
        2 * DAY,
        (("security", "viktor"),),
    ),
    # High tier: five functions, three days to sign. Legal and security have; privacy,
    # compliance and finance are a day late.
    ApprovalSpec(
        "credit-limit-optimiser",
        "1.0.0-rc1",
        "sofia",
        "Staging back-test on 12 months of limits: 3% fewer over-limit defaults.",
        4 * DAY,
        (("legal", "claire"), ("security", "viktor")),
    ),
    # Versions deployed before the workflow existed, approved after the fact and re-deployed
    # through the gate, so the map shows production systems with and without a valid approval.
    ApprovalSpec(
        "kyc-doc-ocr",
        "7.1",
        "lars",
        "Retroactive approval of the vendor OCR in production since January; DPA and pen test "
        "attached.",
        5 * DAY,
        (("security", "viktor"),),
        then="redeployed",
    ),
    ApprovalSpec(
        "sanctions-name-matcher",
        "2026.2",
        "tomas",
        "Retroactive approval: list-matching rules unchanged since February; recall tested "
        "against the OFAC sample.",
        3 * DAY,
        (("security", "viktor"),),
        then="redeployed",
    ),
    ApprovalSpec(
        "atm-cash-demand",
        "2.1.0",
        "lars",
        "Retroactive approval of the forecast in production since March.",
        6 * DAY,
        (("security", "viktor"),),
        then="redeployed",
    ),
    # Approved, never deployed through the gate, and its 30 days ran out.
    ApprovalSpec(
        "aml-alert-ranker",
        "1.1.0",
        "tomas",
        "Retroactive approval of the alert ranker; re-deployment planned for the autumn release.",
        45 * DAY,
        (("security", "viktor"),),
        then="expired",
    ),
    # Approved; then the training data on record turned out incomplete, and correcting it
    # invalidated the approval.
    ApprovalSpec(
        "marketing-copy-llm",
        "2026.08",
        "jonas",
        "Retroactive approval of the copy model; brand and legal copy rules in the system prompt.",
        8 * DAY,
        (("security", "viktor"), ("compliance", "grace")),
        then="invalidated",
    ),
)

# The training data that the copy model's record missed (see the approval above).
MISSED_TRAINING_DATA = ("s3://lake", "curated/help_centre_articles")


class GovernanceDemoSeeder:
    """Creates whatever part of the governance demo is missing, and counts what it created."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.created: Counter[str] = Counter()
        self.users = {u.username: u for u in User.objects.all()}
        self.systems = {s.slug: s for s in AISystem.objects.all()}

    def run(self) -> Counter[str]:
        missing = {spec.system for spec in REVIEWS} - set(self.systems)
        if missing:
            raise CommandError(
                f"The demo organisation is not loaded (no {', '.join(sorted(missing))}): "
                "run `manage.py seed_demo` first."
            )
        for spec in REVIEWS:
            self.seed_review(spec)
        for spec in FINDINGS:
            self.seed_finding(spec)
        for spec in APPROVALS:
            self.seed_approval(spec)
        return self.created

    def seed_review(self, spec: ReviewSpec) -> None:
        system = self.systems[spec.system]
        if RiskReview.objects.filter(system=system, function=spec.function).exists():
            return
        assignee = self.users[spec.assignee]
        if spec.state == "completed":
            opened_at = self.now + spec.due_in - 10 * DAY
            review = reviews.review_create(
                actor=None,
                system=system,
                function=spec.function,
                assignee=assignee,
                due_at=self.now + spec.due_in,
                now=opened_at,
            )
            reviews.review_complete(
                actor=assignee,
                review=review,
                rating="medium",
                recommendation="accept_with_conditions",
                summary="Penetration test of the scoring API: two medium findings, fixed; "
                "re-test at the next review.",
                now=self.now + spec.due_in - DAY,
            )
            self.created["completed reviews (each opened its successor)"] += 1
            return
        review = reviews.review_create(
            actor=None,
            system=system,
            function=spec.function,
            assignee=assignee,
            due_at=self.now + spec.due_in,
            now=self.now + spec.due_in - 14 * DAY,
        )
        if spec.state == "in_progress":
            reviews.review_start(actor=assignee, review=review, now=self.now - 3 * DAY)
        self.created["open reviews" if spec.due_in > dt.timedelta(0) else "overdue reviews"] += 1

    def seed_finding(self, spec: dict[str, Any]) -> None:
        system = self.systems[spec["system"]]
        if RiskFinding.objects.filter(system=system, title=spec["title"]).exists():
            return
        fields = {k: v for k, v in spec.items() if k not in {"system", "owner", "target_in"}}
        findings.finding_create(
            actor=None,
            system=system,
            owner=self.users[spec["owner"]],
            target_date=(self.now + spec["target_in"]).date(),
            now=self.now,
            **fields,
        )
        self.created["findings"] += 1

    def seed_approval(self, spec: ApprovalSpec) -> None:
        version = ModelVersion.objects.get(model__name=spec.model, version=spec.version)
        if ApprovalRequest.objects.filter(model_version=version, environment="production").exists():
            return
        requested_at = self.now - spec.requested_ago
        approval = gov.approval_request(
            actor=self.users[spec.requester],
            model_version=version,
            environment="production",
            justification=spec.justification,
            now=requested_at,
        )
        for i, (function, username) in enumerate(spec.signers, start=1):
            gov.signoff_record(
                actor=self.users[username],
                approval=approval,
                function=function,
                decision="approve",
                comment="Reviewed the model card, datasets and evaluation.",
                now=requested_at + i * 6 * HOUR,
            )
        if spec.then == "redeployed":
            self.redeploy_through_the_gate(version, self.users[spec.requester], requested_at)
        elif spec.then == "expired":
            gov.approvals_expire(now=self.now)
        elif spec.then == "invalidated":
            self.add_training_data(version, self.users[spec.requester])
        approval.refresh_from_db()
        self.created[f"{approval.status} approval requests"] += 1

    def redeploy_through_the_gate(
        self, version: ModelVersion, actor: Any, requested_at: dt.datetime
    ) -> None:
        """Replace the version's production deployment, recorded before approvals existed, by
        one made through the gate with the approval just given."""
        old = Deployment.objects.get(
            model_version=version,
            environment=Environment.PRODUCTION,
            status=DeploymentStatus.ACTIVE,
        )
        registry_services.deployment_update(
            actor=actor, deployment=old, data={"status": DeploymentStatus.RETIRED}
        )
        gov.deployment_record(
            actor=actor,
            model_version=version,
            environment=Environment.PRODUCTION,
            endpoint=old.endpoint,
            notes="Re-deployed through the approval gate.",
            deployed_at=requested_at + DAY,
            now=requested_at + DAY,
        )

    def add_training_data(self, version: ModelVersion, actor: Any) -> None:
        """Correct the version's lineage as its engineer would, through the registry."""
        namespace, name = MISSED_TRAINING_DATA
        links = [(link.dataset, link.role) for link in version.dataset_links.all()]
        links.append((Dataset.objects.get(namespace=namespace, name=name), DatasetRole.TRAINING))
        registry_services.version_update(actor=actor, version=version, data={}, datasets=links)


class Command(BaseCommand):
    help = (
        "Add risk reviews (some overdue), findings and approval requests to the demo "
        "organisation, so that chasing has something to do. Run after seed_demo; safe to run "
        "again. Refuses to run in production unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even when STEWARD_ENV=production."
        )

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if settings.PRODUCTION and not force:
            raise CommandError("Refusing to load demo data in production (use --force).")
        seeder = GovernanceDemoSeeder(now=timezone.now())
        with audit_context(source=AuditSource.COMMAND), transaction.atomic():
            created = seeder.run()
        if created:
            summary = ", ".join(f"{n} {kind}" for kind, n in created.items())
            self.stdout.write(self.style.SUCCESS(f"Governance demo loaded: {summary}."))
            self.stdout.write(
                "The worker's first chase emails the overdue reviews' reminders and escalations "
                "to its console (`manage.py chase_overdue --dry-run` shows them now)."
            )
        else:
            self.stdout.write("Governance demo already loaded: nothing to do.")
