"""The accountability map: who answers for each AI system, and where the gaps are.

One selector, :func:`accountability_map`, builds it for the page, its CSV export and the JSON API.
It reads a fixed handful of queries whatever the number of systems — the systems with their
people joined and per-system figures as subquery annotations, then one query each for production
deployments, approval requests, risk reviews and policies — and assembles rows in Python. Nothing
in a row walks a relation, so rendering costs no further queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from registry.choices import (
    DeploymentStatus,
    Environment,
    IncidentStatus,
    Lifecycle,
    RiskTier,
)
from registry.models import (
    AISystem,
    CostRecord,
    Deployment,
    Incident,
    ModelVersionDataset,
    Team,
)

from .choices import ACTIVE_REVIEW_STATUSES, OPEN_APPROVAL_STATUSES, ApprovalStatus, ReviewStatus
from .models import ApprovalRequest, Policy, RiskReview

# --- Gaps -------------------------------------------------------------------------------------

#: Every gap the map flags: code → label. The label is what people read (the flag is never
#: colour alone); the code is what filters, CSV and JSON carry.
GAPS: dict[str, str] = {
    "no_owner": "No technical owner",
    "owner_inactive": "Technical owner has left (inactive)",
    "no_executive": "No accountable executive",
    "executive_inactive": "Accountable executive has left (inactive)",
    "unapproved_production": "In production without a valid approval",
    "approval_expired": "Approval expired",
    "approval_invalidated": "Approval invalidated",
    "review_overdue": "Review overdue",
    "reporting_clock": "Serious incident: reporting clock running",
    "over_budget": "Over budget",
    "no_cost_centre": "No cost centre",
}

# What the approval column says, per system.
APPROVAL_LABELS = {
    "valid": "Valid",
    "none": "None",
    "expired": "Expired",
    "invalidated": "Invalidated",
    "pending": "Pending",
    "rejected": "Rejected",
    "not_deployed": "Not in production",
}


@dataclass(frozen=True)
class Gap:
    code: str
    detail: str = ""

    @property
    def label(self) -> str:
        return GAPS[self.code]

    @property
    def text(self) -> str:
        return f"{self.label}: {self.detail}" if self.detail else self.label


@dataclass
class ReviewCell:
    """One function's review state for one system."""

    function: str
    status: str  # open / in_progress / overdue / completed / none
    due_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def label(self) -> str:
        if self.status == "overdue":
            return f"Overdue since {self.due_at:%Y-%m-%d}"
        if self.status in ("open", "in_progress"):
            word = "Open" if self.status == "open" else "In progress"
            return f"{word}, due {self.due_at:%Y-%m-%d}"
        if self.status == "completed":
            return f"Done {self.completed_at:%Y-%m-%d}"
        return "Never reviewed"


@dataclass
class GraphDeployment:
    pk: int
    environment: str
    endpoint: str


@dataclass
class GraphVersion:
    pk: int
    label: str
    deployments: list[GraphDeployment] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)


@dataclass
class SystemRow:
    """One system on the map, with everything its row shows already computed."""

    system: AISystem
    approval_status: str = "not_deployed"
    production_deployments: int = 0
    reviews: list[ReviewCell] = field(default_factory=list)
    overdue_items: int = 0
    open_incidents: int = 0
    report_due_at: dt.datetime | None = None
    spend_this_month: Decimal | None = None
    latest_spend: Decimal | None = None
    latest_period: dt.date | None = None
    gaps: list[Gap] = field(default_factory=list)
    versions: list[GraphVersion] = field(default_factory=list)

    @property
    def gap_codes(self) -> list[str]:
        return [g.code for g in self.gaps]

    @property
    def approval_label(self) -> str:
        return APPROVAL_LABELS[self.approval_status]

    @property
    def over_budget(self) -> bool:
        return "over_budget" in self.gap_codes


@dataclass
class TeamGroup:
    team: Team
    rows: list[SystemRow] = field(default_factory=list)


@dataclass
class ExecutiveGroup:
    executive: Any  # a user, or None for systems nobody is accountable for
    teams: list[TeamGroup] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.executive is None:
            return "No accountable executive"
        return self.executive.get_full_name() or self.executive.get_username()

    @property
    def system_count(self) -> int:
        return sum(len(t.rows) for t in self.teams)


@dataclass(frozen=True)
class MapFilters:
    """What the map is narrowed to (GET parameters of the page, the CSV and the API)."""

    gaps_only: bool = False
    executive: int | None = None  # 0 means "no accountable executive"
    team: int | None = None
    tier: str | None = None

    @classmethod
    def from_params(cls, params: Any) -> MapFilters:
        """Parse query parameters; raises ValueError naming the parameter on bad input."""

        def whole(name: str) -> int | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            if not raw.isdigit():
                raise ValueError(name)
            return int(raw)

        tier = (params.get("tier") or "").strip() or None
        if tier is not None and tier not in RiskTier.values:
            raise ValueError("tier")
        gaps = (params.get("gaps") or "").strip().lower()
        return cls(
            gaps_only=gaps in ("1", "true", "on", "yes"),
            executive=whole("executive"),
            team=whole("team"),
            tier=tier,
        )

    def as_params(self) -> dict[str, str]:
        out = {}
        if self.gaps_only:
            out["gaps"] = "1"
        if self.executive is not None:
            out["executive"] = str(self.executive)
        if self.team is not None:
            out["team"] = str(self.team)
        if self.tier:
            out["tier"] = self.tier
        return out


@dataclass
class AccountabilityMap:
    filters: MapFilters
    now: dt.datetime
    month: dt.date
    rows: list[SystemRow]
    groups: list[ExecutiveGroup]
    total_systems: int
    gap_counts: dict[str, int]

    @property
    def gap_summary(self) -> list[tuple[str, str, int]]:
        """(code, label, number of systems) for each gap present, in GAPS order."""
        return [(code, GAPS[code], n) for code, n in self.gap_counts.items() if n]

    @property
    def systems_with_gaps(self) -> int:
        return sum(1 for r in self.rows if r.gaps)


# --- The selector -----------------------------------------------------------------------------


# What a row shows of a system; the rest of its record is on its own page.
SYSTEM_COLUMNS = (
    "id",
    "name",
    "slug",
    "risk_tier",
    "lifecycle",
    "owning_team",
    "technical_owner",
    "accountable_executive",
    "cost_centre",
    "monthly_budget",
    "budget_currency",
)


def _systems(filters: MapFilters, now: dt.datetime, month: dt.date) -> QuerySet[AISystem]:
    """Systems narrowed by the filters, with their people joined and their per-system figures
    (open incidents, the earliest running reporting clock, overdue sign-offs, spend this month
    and in the latest month with any record) as subqueries: one query for all of them."""
    person = ("id", "username", "first_name", "last_name", "is_active")
    qs = (
        _filtered(filters)
        .select_related("owning_team", "technical_owner", "accountable_executive")
        .only(
            *SYSTEM_COLUMNS,
            "owning_team__id",
            "owning_team__name",
            *(f"technical_owner__{f}" for f in person),
            *(f"accountable_executive__{f}" for f in person),
        )
    )

    def per_system(model_qs: QuerySet, expr: Any, output: Any) -> Subquery:
        return Subquery(
            model_qs.filter(system=OuterRef("pk"))
            .order_by()
            .values("system")
            .annotate(v=expr)
            .values("v")[:1],
            output_field=output,
        )

    money = DecimalField(max_digits=16, decimal_places=2)
    latest_period = Subquery(
        CostRecord.objects.filter(system=OuterRef(OuterRef("pk")))
        .order_by("-period")
        .values("period")[:1]
    )
    overdue_signoffs = Subquery(
        ApprovalRequest.objects.filter(
            model_version__model__system=OuterRef("pk"),
            status__in=(ApprovalStatus.PENDING, ApprovalStatus.CHANGES_REQUESTED),
            due_at__lt=now,
        )
        .order_by()
        .values("model_version__model__system")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    return qs.annotate(
        open_incident_count=Coalesce(
            per_system(
                Incident.objects.exclude(status=IncidentStatus.RESOLVED),
                Count("pk"),
                IntegerField(),
            ),
            0,
        ),
        report_due=per_system(
            Incident.objects.filter(
                is_serious=True, report_due_at__isnull=False, reported_at__isnull=True
            ),
            Min("report_due_at"),
            None,
        ),
        overdue_signoff_count=Coalesce(overdue_signoffs, 0),
        spend_month=per_system(CostRecord.objects.filter(period=month), Sum("amount"), money),
        latest_period=Subquery(
            CostRecord.objects.filter(system=OuterRef("pk"))
            .order_by("-period")
            .values("period")[:1]
        ),
        latest_spend=per_system(
            CostRecord.objects.filter(period=latest_period), Sum("amount"), money
        ),
    ).order_by(
        # Systems nobody is accountable for come last on every database.
        F("accountable_executive__last_name").asc(nulls_last=True),
        F("accountable_executive_id").asc(nulls_last=True),
        "owning_team__name",
        "name",
    )


def _cents(value: Decimal | None) -> Decimal | None:
    """Sums come back from SQLite with spurious places; money has two."""
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class _Request:
    """The parts of an approval request the map judges it by."""

    status: str
    expires_at: dt.datetime | None
    first_deployed_at: dt.datetime | None


def _approval_of(request: _Request | None, now: dt.datetime) -> str:
    """What one approval request means for a production deployment."""
    if request is None:
        return "none"
    if request.status == ApprovalStatus.APPROVED:
        lapsed = (
            request.first_deployed_at is None
            and request.expires_at is not None
            and request.expires_at <= now
        )
        return "expired" if lapsed else "valid"
    if request.status in (ApprovalStatus.EXPIRED, ApprovalStatus.INVALIDATED):
        return request.status
    if request.status in OPEN_APPROVAL_STATUSES:
        return "pending"
    return "rejected" if request.status == ApprovalStatus.REJECTED else "none"


# Worst first: the status a system shows when its deployments disagree.
_APPROVAL_SEVERITY = ["none", "invalidated", "expired", "rejected", "pending", "valid"]


def accountability_map(
    *,
    filters: MapFilters | None = None,
    now: dt.datetime | None = None,
    include_graph: bool = False,
) -> AccountabilityMap:
    """Build the map for ``filters`` as of ``now``. ``include_graph`` adds each system's model
    versions (with their active deployments and the datasets they were built from) for the
    graph view: two more queries, still independent of the number of systems."""
    filters = filters or MapFilters()
    now = now or timezone.now()
    month = timezone.localdate(now).replace(day=1)
    systems = list(_systems(filters, now, month))
    # The filtered systems' ids as a subquery, so related queries are scoped in the database
    # rather than by a list of thousands of parameters.
    system_ids = _filtered(filters).values("pk")
    rows = {s.pk: SystemRow(system=s) for s in systems}

    # Production deployments still running, with the approval each was linked to.
    # Plain values rather than model instances: building thousands of instances cost more than
    # the queries themselves.
    request_fields = ("id", "status", "expires_at", "first_deployed_at", "model_version_id")
    deployments = (
        Deployment.objects.filter(
            environment=Environment.PRODUCTION,
            status=DeploymentStatus.ACTIVE,
            model_version__model__system__in=system_ids,
        )
        .order_by()
        .values_list(
            "model_version_id",
            "model_version__model__system_id",
            "approval_link__approval__status",
            "approval_link__approval__expires_at",
            "approval_link__approval__first_deployed_at",
        )
    )
    # Production approval requests of these systems, oldest first, so later ones win.
    requests = (
        ApprovalRequest.objects.filter(
            environment=Environment.PRODUCTION, model_version__model__system__in=system_ids
        )
        .order_by("created_at", "id")
        .values_list(*request_fields, "model_version__model__system_id")
    )
    latest_by_version: dict[int, _Request] = {}
    latest_by_system: dict[int, _Request] = {}
    for _pk, status, expires_at, first_deployed_at, version_id, system_id in requests:
        request = _Request(status, expires_at, first_deployed_at)
        latest_by_version[version_id] = request
        latest_by_system[system_id] = request

    statuses: dict[int, list[str]] = defaultdict(list)
    for version_id, system_id, linked_status, expires_at, first_deployed_at in deployments:
        if linked_status is not None:
            status = _approval_of(_Request(linked_status, expires_at, first_deployed_at), now)
        else:
            status = _approval_of(latest_by_version.get(version_id), now)
            if status == "valid":
                status = "none"  # approved, but this deployment was not made through it
        statuses[system_id].append(status)

    policies = {p.risk_tier: p for p in Policy.objects.all()}
    reviews = _reviews(system_ids, now)

    for pk, row in rows.items():
        s = row.system
        found = statuses.get(pk, [])
        row.production_deployments = len(found)
        if found:
            row.approval_status = min(found, key=_APPROVAL_SEVERITY.index)
        elif pk in latest_by_system:
            status = _approval_of(latest_by_system[pk], now)
            row.approval_status = "not_deployed" if status == "valid" else status
        functions = list(
            (policies[s.risk_tier].review_cadence_days or {}) if s.risk_tier in policies else {}
        )
        cells = reviews.get(pk, {})
        functions += sorted(f for f in cells if f not in functions)
        row.reviews = [cells.get(f) or ReviewCell(f, "none") for f in functions]
        row.open_incidents = s.open_incident_count
        row.report_due_at = s.report_due
        row.spend_this_month = _cents(s.spend_month)
        row.latest_spend = _cents(s.latest_spend)
        row.latest_period = s.latest_period
        overdue_reviews = sum(1 for c in row.reviews if c.overdue)
        late_report = 1 if row.report_due_at and row.report_due_at < now else 0
        row.overdue_items = overdue_reviews + s.overdue_signoff_count + late_report
        row.gaps = _gaps(row, found, now)

    if include_graph:
        _attach_graph(rows, system_ids)

    ordered = [rows[s.pk] for s in systems]
    total = len(ordered)
    if filters.gaps_only:
        ordered = [r for r in ordered if r.gaps]
    counts = dict.fromkeys(GAPS, 0)
    for row in ordered:
        for code in set(row.gap_codes):
            counts[code] += 1
    return AccountabilityMap(
        filters=filters,
        now=now,
        month=month,
        rows=ordered,
        groups=_group(ordered),
        total_systems=total,
        gap_counts=counts,
    )


def _filtered(filters: MapFilters) -> QuerySet[AISystem]:
    """The systems the filters select (gaps aside: those are known only once rows are built)."""
    qs = AISystem.objects.all()
    if filters.executive == 0:
        qs = qs.filter(accountable_executive__isnull=True)
    elif filters.executive is not None:
        qs = qs.filter(accountable_executive_id=filters.executive)
    if filters.team is not None:
        qs = qs.filter(owning_team_id=filters.team)
    if filters.tier:
        qs = qs.filter(risk_tier=filters.tier)
    return qs


def _reviews(system_ids: QuerySet, now: dt.datetime) -> dict[int, dict[str, ReviewCell]]:
    """Per system and function: the active review (overdue or not), else the last completed
    one. Two queries."""
    out: dict[int, dict[str, ReviewCell]] = defaultdict(dict)
    completed = (
        RiskReview.objects.filter(system__in=system_ids, status=ReviewStatus.COMPLETED)
        .order_by()
        .values("system_id", "function")
        .annotate(last=Max("completed_at"))
    )
    for item in completed:
        out[item["system_id"]][item["function"]] = ReviewCell(
            item["function"], "completed", completed_at=item["last"]
        )
    active = RiskReview.objects.filter(
        system__in=system_ids, status__in=ACTIVE_REVIEW_STATUSES
    ).values("system_id", "function", "status", "due_at")
    for item in active:
        status = "overdue" if item["due_at"] < now else item["status"]
        out[item["system_id"]][item["function"]] = ReviewCell(
            item["function"], status, due_at=item["due_at"]
        )
    return out


def _gaps(row: SystemRow, production: list[str], now: dt.datetime) -> list[Gap]:
    s = row.system
    gaps: list[Gap] = []
    if s.technical_owner is None:
        gaps.append(Gap("no_owner"))
    elif not s.technical_owner.is_active:
        gaps.append(Gap("owner_inactive", s.technical_owner.get_username()))
    if s.accountable_executive is None:
        gaps.append(Gap("no_executive"))
    elif not s.accountable_executive.is_active:
        gaps.append(Gap("executive_inactive", s.accountable_executive.get_username()))
    unapproved = [p for p in production if p != "valid"]
    if unapproved:
        gaps.append(
            Gap("unapproved_production", f"{len(unapproved)} of {len(production)} deployments")
        )
    if row.approval_status == "expired":
        gaps.append(Gap("approval_expired"))
    if row.approval_status == "invalidated":
        gaps.append(Gap("approval_invalidated"))
    overdue = [c.function for c in row.reviews if c.overdue]
    if overdue:
        gaps.append(Gap("review_overdue", ", ".join(overdue)))
    if row.report_due_at is not None:
        when = f"report due {row.report_due_at:%Y-%m-%d %H:%M} UTC"
        if row.report_due_at < now:
            when = f"report overdue since {row.report_due_at:%Y-%m-%d %H:%M} UTC"
        gaps.append(Gap("reporting_clock", when))
    if (
        row.latest_spend is not None
        and s.monthly_budget is not None
        and row.latest_spend > s.monthly_budget
    ):
        gaps.append(
            Gap(
                "over_budget",
                f"{row.latest_spend} of {s.monthly_budget} {s.budget_currency} "
                f"in {row.latest_period:%Y-%m}",
            )
        )
    if not s.cost_centre and s.lifecycle != Lifecycle.RETIRED:
        gaps.append(Gap("no_cost_centre"))
    return gaps


def _attach_graph(rows: dict[int, SystemRow], system_ids: QuerySet) -> None:
    """Versions with an active deployment, their deployments and the datasets they were built
    from, for the graph view. Two queries."""
    deployments = (
        Deployment.objects.filter(
            status=DeploymentStatus.ACTIVE, model_version__model__system__in=system_ids
        )
        .select_related("model_version__model")
        .order_by("model_version_id", "environment", "id")
    )
    versions: dict[int, GraphVersion] = {}
    for d in deployments:
        mv = d.model_version
        node = versions.get(mv.pk)
        if node is None:
            node = versions[mv.pk] = GraphVersion(mv.pk, f"{mv.model.name} v{mv.version}")
            rows[mv.model.system_id].versions.append(node)
        node.deployments.append(GraphDeployment(d.pk, d.environment, d.endpoint))
    links = (
        ModelVersionDataset.objects.filter(model_version_id__in=list(versions))
        .select_related("dataset")
        .order_by("model_version_id", "dataset__namespace", "dataset__name")
    )
    for link in links:
        names = versions[link.model_version_id].datasets
        label = str(link.dataset)
        if label not in names:
            names.append(label)


def _group(rows: list[SystemRow]) -> list[ExecutiveGroup]:
    """Executive → team → systems, in the rows' order (executive, team, name)."""
    groups: list[ExecutiveGroup] = []
    for row in rows:
        executive = row.system.accountable_executive
        if not groups or groups[-1].executive != executive:
            groups.append(ExecutiveGroup(executive))
        teams = groups[-1].teams
        if not teams or teams[-1].team.pk != row.system.owning_team_id:
            teams.append(TeamGroup(row.system.owning_team))
        teams[-1].rows.append(row)
    return groups


def filter_options() -> dict[str, Any]:
    """The choices of the map's filters: executives who are accountable for something, teams
    that own something, tiers. Two queries."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    executives = list(
        User.objects.filter(accountable_systems__isnull=False)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    teams = list(Team.objects.filter(systems__isnull=False).distinct().order_by("name"))
    return {"executives": executives, "teams": teams, "tiers": RiskTier.choices}
