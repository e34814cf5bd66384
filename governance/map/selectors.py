"""The accountability map: who answers for each AI system, and where the gaps are.

One selector, :func:`accountability_map`, builds it for the page, its CSV export and the JSON API.
It reads a fixed handful of queries whatever the number of systems — the systems with their
people joined and per-system figures as subquery annotations, then one query each for production
deployments, approval requests, risk reviews and policies — and assembles rows in Python. Nothing
in a row walks a relation, so rendering costs no further queries.

Every query reads plain values, never model instances: at 2,000 systems, building system, team
and user instances (and resolving their related-object caches) cost more than all the queries
together. A row's ``system`` is a :class:`MapSystem` carrying exactly what the map shows, and each
person and team is one shared :class:`Person` / :class:`TeamRef` however many rows name them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.approvals.choices import OPEN_APPROVAL_STATUSES, ApprovalStatus
from governance.approvals.models import ApprovalRequest
from governance.map.rows import (
    GAPS,
    AccountabilityMap,
    ExecutiveGroup,
    Gap,
    GraphDeployment,
    GraphVersion,
    MapFilters,
    MapSystem,
    Person,
    ReviewCell,
    SystemRow,
    TeamGroup,
    TeamRef,
)
from governance.policies.models import Policy
from governance.reviews.choices import ACTIVE_REVIEW_STATUSES, ReviewStatus
from governance.reviews.models import RiskReview
from registry.inventory.choices import (
    DeploymentStatus,
    Environment,
    IncidentStatus,
    Lifecycle,
    RiskTier,
)
from registry.inventory.models import (
    AISystem,
    CostRecord,
    Deployment,
    Incident,
    ModelVersionDataset,
)
from registry.people.models import Team

# --- The selector -----------------------------------------------------------------------------


# What a row shows of a system, in the order the systems query reads them (then the people's
# and team's columns, then the per-system figures); the rest of its record is on its own page.
SYSTEM_COLUMNS = (
    "id",
    "name",
    "slug",
    "risk_tier",
    "lifecycle",
    "cost_centre",
    "monthly_budget",
    "budget_currency",
)
_PERSON = ("id", "username", "first_name", "last_name", "is_active")
_FIGURES = (
    "open_incident_count",
    "report_due",
    "overdue_signoff_count",
    "spend_month",
    "latest_period",
    "latest_spend",
)


def _systems(filters: MapFilters, now: dt.datetime, month: dt.date) -> QuerySet:
    """Systems narrowed by the filters, with their team and people joined and their per-system
    figures (open incidents, the earliest running reporting clock, overdue sign-offs, spend this
    month and in the latest month with any record) as subqueries: one query for all of them, as
    tuples of :data:`SYSTEM_COLUMNS`, team, technical owner, executive and :data:`_FIGURES`."""

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
    return (
        _filtered(filters)
        .annotate(
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
        )
        .order_by(
            # Systems nobody is accountable for come last on every database.
            F("accountable_executive__last_name").asc(nulls_last=True),
            F("accountable_executive_id").asc(nulls_last=True),
            "owning_team__name",
            "name",
        )
        .values_list(
            *SYSTEM_COLUMNS,
            "owning_team_id",
            "owning_team__name",
            *(f"technical_owner__{f}" for f in _PERSON),
            *(f"accountable_executive__{f}" for f in _PERSON),
            *_FIGURES,
        )
    )


_CENT = Decimal("0.01")


def _cents(value: Decimal | None) -> Decimal | None:
    """Sums come back from SQLite with spurious places; money has two."""
    return None if value is None else Decimal(value).quantize(_CENT)


class _Request(NamedTuple):
    """The parts of an approval request the map judges it by."""

    status: str
    lapsed: bool | None  # see _lapsed


def _lapsed(now: dt.datetime, path: str = "") -> ExpressionWrapper:
    """Whether a request's approval window passed before anything was deployed through it — the
    condition the expiry task (``governance.services``) applies — computed by the database, so
    the map reads one flag instead of converting two datetimes per request."""
    return ExpressionWrapper(
        Q(**{f"{path}first_deployed_at__isnull": True, f"{path}expires_at__lte": now}),
        output_field=BooleanField(),
    )


def _approval_of(request: _Request | None) -> str:
    """What one approval request means for a production deployment."""
    if request is None:
        return "none"
    if request.status == ApprovalStatus.APPROVED:
        return "expired" if request.lapsed else "valid"
    if request.status in (ApprovalStatus.EXPIRED, ApprovalStatus.INVALIDATED):
        return request.status
    if request.status in OPEN_APPROVAL_STATUSES:
        return "pending"
    return "rejected" if request.status == ApprovalStatus.REJECTED else "none"


# Worst first: the status a system shows when its deployments disagree.
_APPROVAL_SEVERITY = ["none", "invalidated", "expired", "rejected", "pending", "valid"]


def _read_rows(filters: MapFilters, now: dt.datetime, month: dt.date) -> list[SystemRow]:
    """The systems query's tuples as rows, in its order, each person and team built once."""
    people: dict[int, Person] = {}
    teams: dict[int, TeamRef] = {}

    def person(pk: int | None, *rest: Any) -> Person | None:
        if pk is None:
            return None
        found = people.get(pk)
        if found is None:
            found = people[pk] = Person(pk, *rest)
        return found

    rows = []
    for (
        pk,
        name,
        slug,
        risk_tier,
        lifecycle,
        cost_centre,
        monthly_budget,
        budget_currency,
        team_id,
        team_name,
        o_id,
        o_username,
        o_first,
        o_last,
        o_active,
        x_id,
        x_username,
        x_first,
        x_last,
        x_active,
        open_incidents,
        report_due,
        overdue_signoffs,
        spend_month,
        latest_period,
        latest_spend,
    ) in _systems(filters, now, month):
        team = teams.get(team_id)
        if team is None:
            team = teams[team_id] = TeamRef(team_id, team_name)
        system = MapSystem(
            pk,
            name,
            slug,
            risk_tier,
            lifecycle,
            team,
            person(o_id, o_username, o_first, o_last, o_active),
            person(x_id, x_username, x_first, x_last, x_active),
            cost_centre,
            monthly_budget,
            budget_currency,
        )
        rows.append(
            SystemRow(
                system,
                # Overdue sign-offs for now: the selector adds overdue reviews and late reports.
                overdue_items=overdue_signoffs,
                open_incidents=open_incidents,
                report_due_at=report_due,
                spend_this_month=_cents(spend_month),
                latest_spend=_cents(latest_spend),
                latest_period=latest_period,
            )
        )
    return rows


def accountability_map(
    *,
    filters: MapFilters | None = None,
    now: dt.datetime | None = None,
    include_graph: bool = False,
    graph_limit: int | None = None,
) -> AccountabilityMap:
    """Build the map for ``filters`` as of ``now``. ``include_graph`` adds each shown system's
    model versions (with their active deployments and the datasets they were built from) for
    the graph view: two more queries, still independent of the number of systems — and none
    when more than ``graph_limit`` rows are shown, since the view will not draw them."""
    filters = filters or MapFilters()
    now = now or timezone.now()
    month = timezone.localdate(now).replace(day=1)
    ordered = _read_rows(filters, now, month)
    # The filtered systems' ids as a subquery, so related queries are scoped in the database
    # rather than by a list of thousands of parameters.
    system_ids = _filtered(filters).values("pk")

    # Production deployments still running, with the approval each was linked to.
    deployments = (
        Deployment.objects.filter(
            environment=Environment.PRODUCTION,
            status=DeploymentStatus.ACTIVE,
            model_version__model__system__in=system_ids,
        )
        .order_by()
        .annotate(linked_lapsed=_lapsed(now, "approval_link__approval__"))
        .values_list(
            "model_version_id",
            "model_version__model__system_id",
            "approval_link__approval__status",
            "linked_lapsed",
        )
    )
    # Production approval requests of these systems, oldest first, so later ones win.
    requests = (
        ApprovalRequest.objects.filter(
            environment=Environment.PRODUCTION, model_version__model__system__in=system_ids
        )
        .order_by("created_at", "id")
        .annotate(lapsed=_lapsed(now))
        .values_list("status", "lapsed", "model_version_id", "model_version__model__system_id")
    )
    latest_by_version: dict[int, _Request] = {}
    latest_by_system: dict[int, _Request] = {}
    for status, lapsed, version_id, system_id in requests:
        request = _Request(status, lapsed)
        latest_by_version[version_id] = request
        latest_by_system[system_id] = request

    statuses: dict[int, list[str]] = defaultdict(list)
    for version_id, system_id, linked_status, linked_lapsed in deployments:
        if linked_status is not None:
            status = _approval_of(_Request(linked_status, linked_lapsed))
        else:
            status = _approval_of(latest_by_version.get(version_id))
            if status == "valid":
                status = "none"  # approved, but this deployment was not made through it
        statuses[system_id].append(status)

    # The functions each tier's policy asks to review, in the policy's order.
    tier_functions = {
        tier: list(cadence or {})
        for tier, cadence in Policy.objects.values_list("risk_tier", "review_cadence_days")
    }
    reviews = _reviews(system_ids, now)

    for row in ordered:
        pk = row.system.pk
        found = statuses.get(pk, ())
        row.production_deployments = len(found)
        if found:
            row.approval_status = min(found, key=_APPROVAL_SEVERITY.index)
        elif pk in latest_by_system:
            status = _approval_of(latest_by_system[pk])
            row.approval_status = "not_deployed" if status == "valid" else status
        functions = tier_functions.get(row.system.risk_tier, ())
        cells = reviews.get(pk)
        if cells:
            extra = sorted(f for f in cells if f not in functions)
            row.reviews = [cells.get(f) or ReviewCell(f, "none") for f in (*functions, *extra)]
        else:
            row.reviews = [ReviewCell(f, "none") for f in functions]
        overdue_reviews = sum(1 for c in row.reviews if c.status == "overdue")
        late_report = 1 if row.report_due_at and row.report_due_at < now else 0
        row.overdue_items += overdue_reviews + late_report
        row.gaps = _gaps(row, found, now)

    total = len(ordered)
    if filters.gaps_only:
        ordered = [r for r in ordered if r.gaps]
    if include_graph and (graph_limit is None or len(ordered) <= graph_limit):
        # Only the rows shown: with "gaps only" that is a list of ids, else the filter itself.
        shown = [r.system.pk for r in ordered] if filters.gaps_only else system_ids
        _attach_graph({r.system.pk: r for r in ordered}, shown)
    counts = dict.fromkeys(GAPS, 0)
    for row in ordered:
        for code in {g.code for g in row.gaps}:
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
        .values_list("system_id", "function", "last")
    )
    for system_id, function, last in completed:
        out[system_id][function] = ReviewCell(function, "completed", completed_at=last)
    active = (
        RiskReview.objects.filter(system__in=system_ids, status__in=ACTIVE_REVIEW_STATUSES)
        .order_by()
        .values_list("system_id", "function", "status", "due_at")
    )
    for system_id, function, status, due_at in active:
        if due_at < now:
            status = "overdue"
        out[system_id][function] = ReviewCell(function, status, due_at=due_at)
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
        # %Y-%m-%d %H:%M (the database's UTC), without strftime's cost.
        stamp = row.report_due_at.isoformat(" ", "minutes")[:16]
        if row.report_due_at < now:
            gaps.append(Gap("reporting_clock", f"report overdue since {stamp} UTC"))
        else:
            gaps.append(Gap("reporting_clock", f"report due {stamp} UTC"))
    if (
        row.latest_spend is not None
        and s.monthly_budget is not None
        and row.latest_spend > s.monthly_budget
    ):
        gaps.append(
            Gap(
                "over_budget",
                f"{row.latest_spend:,.2f} of {s.monthly_budget:,.2f} {s.budget_currency} "
                f"in {row.latest_month}",
            )
        )
    if not s.cost_centre and s.lifecycle != Lifecycle.RETIRED:
        gaps.append(Gap("no_cost_centre"))
    return gaps


def _attach_graph(rows: dict[int, SystemRow], system_ids: QuerySet | list[int]) -> None:
    """Versions with an active deployment, their deployments and the datasets they were built
    from, for the graph view. Two queries."""
    deployments = (
        Deployment.objects.filter(
            status=DeploymentStatus.ACTIVE, model_version__model__system__in=system_ids
        )
        .order_by("model_version_id", "environment", "id")
        .values_list(
            "id",
            "environment",
            "endpoint",
            "model_version_id",
            "model_version__version",
            "model_version__model__name",
            "model_version__model__system_id",
        )
    )
    versions: dict[int, GraphVersion] = {}
    by_system: dict[int, list[GraphVersion]] = defaultdict(list)
    for pk, environment, endpoint, version_id, version, model_name, system_id in deployments:
        node = versions.get(version_id)
        if node is None:
            node = versions[version_id] = GraphVersion(version_id, f"{model_name} v{version}")
            by_system[system_id].append(node)
        node.deployments.append(GraphDeployment(pk, environment, endpoint))
    for system_id, nodes in by_system.items():
        rows[system_id].versions = nodes
    links = (
        ModelVersionDataset.objects.filter(model_version_id__in=list(versions))
        .order_by("model_version_id", "dataset__namespace", "dataset__name")
        .values_list("model_version_id", "dataset__namespace", "dataset__name")
    )
    for version_id, namespace, name in links:
        names = versions[version_id].datasets
        label = f"{namespace}/{name}"  # as str(Dataset)
        if label not in names:
            names.append(label)


def _group(rows: list[SystemRow]) -> list[ExecutiveGroup]:
    """Executive → team → systems, in the rows' order (executive, team, name)."""
    groups: list[ExecutiveGroup] = []
    for row in rows:
        executive = row.system.accountable_executive
        # One Person per user, so identity is equality.
        if not groups or groups[-1].executive is not executive:
            groups.append(ExecutiveGroup(executive))
        teams = groups[-1].teams
        if not teams or teams[-1].team is not row.system.owning_team:
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
