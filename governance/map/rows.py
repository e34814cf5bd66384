"""What the accountability map is made of: one row per AI system with its people, approval and
review status per function, figures and gaps; rows grouped by accountable executive and team; the
filters a reader applies. Plain values only — a row never walks a relation, so rendering costs
no queries. ``selectors.accountability_map`` fills them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from registry.inventory.choices import (
    Lifecycle,
    RiskTier,
)

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


# Gaps and review cells are named tuples of plain values: a map holds thousands of them, and the
# garbage collector stops tracking tuples of atoms, so they add nothing to its full collections.
class Gap(NamedTuple):
    code: str
    detail: str = ""

    @property
    def label(self) -> str:
        return GAPS[self.code]

    @property
    def text(self) -> str:
        return f"{self.label}: {self.detail}" if self.detail else self.label


class ReviewCell(NamedTuple):
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
        # date().isoformat() is %Y-%m-%d for any four-digit year, at a tenth of strftime's cost.
        if self.status == "overdue":
            return f"Overdue since {self.due_at.date().isoformat()}"
        if self.status in ("open", "in_progress"):
            word = "Open" if self.status == "open" else "In progress"
            return f"{word}, due {self.due_at.date().isoformat()}"
        if self.status == "completed":
            return f"Done {self.completed_at.date().isoformat()}"
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


_TIER_LABELS = dict(RiskTier.choices)
_LIFECYCLE_LABELS = dict(Lifecycle.choices)


@dataclass(slots=True, eq=False)
class Person:
    """A user as the map shows them (owner or executive): one per user, shared by their rows."""

    pk: int
    username: str
    first_name: str
    last_name: str
    is_active: bool

    @property
    def id(self) -> int:
        return self.pk

    def get_username(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        # As django.contrib.auth's AbstractUser.get_full_name.
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


@dataclass(slots=True, eq=False)
class TeamRef:
    """An owning team as the map shows it: one per team, shared by its rows."""

    pk: int
    name: str

    @property
    def id(self) -> int:
        return self.pk

    def __str__(self) -> str:
        return self.name


@dataclass(slots=True, eq=False)
class MapSystem:
    """The columns of an AI system that its row shows (see :data:`SYSTEM_COLUMNS`), with the
    attribute names of :class:`~registry.models.AISystem` so rows read the same."""

    pk: int
    name: str
    slug: str
    risk_tier: str
    lifecycle: str
    owning_team: TeamRef
    technical_owner: Person | None
    accountable_executive: Person | None
    cost_centre: str
    monthly_budget: Decimal | None
    budget_currency: str

    @property
    def id(self) -> int:
        return self.pk

    @property
    def owning_team_id(self) -> int:
        return self.owning_team.pk

    @property
    def technical_owner_id(self) -> int | None:
        return self.technical_owner.pk if self.technical_owner else None

    @property
    def accountable_executive_id(self) -> int | None:
        return self.accountable_executive.pk if self.accountable_executive else None

    def get_risk_tier_display(self) -> str:
        return _TIER_LABELS.get(self.risk_tier, self.risk_tier)

    def get_lifecycle_display(self) -> str:
        return _LIFECYCLE_LABELS.get(self.lifecycle, self.lifecycle)

    def __str__(self) -> str:
        return self.name


@dataclass(slots=True)
class SystemRow:
    """One system on the map, with everything its row shows already computed."""

    system: MapSystem
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
    # Filled in for the graph view only (``include_graph``).
    versions: Sequence[GraphVersion] = ()

    @property
    def gap_codes(self) -> list[str]:
        return [g.code for g in self.gaps]

    @property
    def approval_label(self) -> str:
        return APPROVAL_LABELS[self.approval_status]

    @property
    def latest_month(self) -> str | None:
        """The latest month with any spend, as YYYY-MM (an isoformat slice: strftime is slow)."""
        return self.latest_period.isoformat()[:7] if self.latest_period else None

    @property
    def over_budget(self) -> bool:
        return "over_budget" in self.gap_codes


@dataclass
class TeamGroup:
    team: TeamRef
    rows: list[SystemRow] = field(default_factory=list)


@dataclass
class ExecutiveGroup:
    executive: Person | None  # None for systems nobody is accountable for
    teams: list[TeamGroup] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.executive is None:
            return "No accountable executive"
        return self.executive.display_name

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
