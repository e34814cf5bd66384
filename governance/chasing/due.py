"""What is past due right now, and who stands on each rung of its ladder.

Three kinds of item: active risk reviews past their due date, pending deployment requests past
their sign-off SLA (per missing function of the current round), and serious incidents whose
report to the regulator is past its deadline. Everything is read with a fixed number of queries
— the items with their system and people joined, and the organisation's memberships and leads
once — whatever the number of reviews. ``governance.chasing`` turns items into notifications.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from governance.approvals.choices import ApprovalStatus, Decision
from governance.approvals.models import ApprovalRequest, Signoff
from governance.chasing.choices import NotificationKind
from governance.policies.choices import ReviewFunction
from governance.policies.models import Policy
from governance.reviews.choices import ACTIVE_REVIEW_STATUSES
from governance.reviews.models import RiskReview
from registry.inventory.models import Incident
from registry.people.models import Team

User = get_user_model()

FUNCTIONS = tuple(ReviewFunction.values)


@dataclass(frozen=True)
class Ladder:
    """The chasing cadence of a risk tier."""

    reminder_hours: int
    escalation_hours: tuple[int, int]


# Used only for a tier without a policy (the migration seeds one per tier).
FALLBACK_LADDER = Ladder(24, (24, 72))


@dataclass(frozen=True)
class DueItem:
    """Something past due, and who stands on each rung of its ladder."""

    kind: str
    subject: str  # the object's part of the notification key
    object_type: str
    object_id: int
    system_id: int
    system_name: str
    label: str
    detail: str
    owed_reason: str  # why those who owe it are reminded, in words
    path: str
    due_at: dt.datetime
    ladder: Ladder
    owed_by: frozenset[int]
    leads: frozenset[int]
    executive: int | None


# --- Who is who -------------------------------------------------------------------------------


@dataclass
class Directory:
    """The people data a run needs, loaded once: a fixed number of queries."""

    inactive: set[int]
    function_members: dict[str, set[int]]
    function_leads: dict[str, set[int]]
    team_members: dict[int, set[int]]
    team_leads: dict[int, int]

    @classmethod
    def load(cls) -> Directory:
        inactive = set(User.objects.filter(is_active=False).values_list("id", flat=True))
        memberships = User.groups.through.objects.values_list("group__name", "user_id")
        function_members: dict[str, set[int]] = defaultdict(set)
        for name, user_id in memberships.filter(group__name__in=FUNCTIONS):
            if user_id not in inactive:
                function_members[name].add(user_id)
        team_members: dict[int, set[int]] = defaultdict(set)
        for team_id, user_id in User.groups.through.objects.filter(
            group__team__isnull=False
        ).values_list("group__team__id", "user_id"):
            team_members[team_id].add(user_id)
        function_leads: dict[str, set[int]] = defaultdict(set)
        team_leads: dict[int, int] = {}
        for team_id, function, lead_id in Team.objects.filter(lead__isnull=False).values_list(
            "id", "function", "lead_id"
        ):
            if lead_id in inactive:
                continue
            team_leads[team_id] = lead_id
            if function in FUNCTIONS:
                function_leads[function].add(lead_id)
        return cls(inactive, function_members, function_leads, team_members, team_leads)

    def active(self, *user_ids: int | None) -> frozenset[int]:
        return frozenset(u for u in user_ids if u is not None and u not in self.inactive)

    def one(self, user_id: int | None) -> int | None:
        return user_id if user_id is not None and user_id not in self.inactive else None


def ladders() -> dict[str, Ladder]:
    return {
        p.risk_tier: Ladder(p.reminder_interval_hours, tuple(p.escalation_hours))
        for p in Policy.objects.all()
    }


# --- What is due ------------------------------------------------------------------------------


def _overdue_reviews(now: dt.datetime, people: Directory, tiers: dict[str, Ladder]):
    rows = (
        RiskReview.objects.filter(status__in=ACTIVE_REVIEW_STATUSES, due_at__lt=now)
        .order_by("due_at", "id")
        .values_list(
            "id",
            "function",
            "due_at",
            "assignee_id",
            "assignee__username",
            "system_id",
            "system__name",
            "system__risk_tier",
            "system__owning_team_id",
            "system__technical_owner_id",
            "system__accountable_executive_id",
            named=True,
        )
    )
    for row in rows.iterator(chunk_size=5000):
        pk, function, assignee, name = row.id, row.function, row.assignee_id, row.system__name
        team, tech = row.system__owning_team_id, row.system__technical_owner_id
        if assignee is not None and assignee not in people.inactive:
            owed = frozenset({assignee})
            detail = f"Assigned to {row.assignee__username}."
            reason = "the review is assigned to you"
        else:
            owners = people.team_members.get(team, set()) | {tech}
            owed = frozenset(people.function_members.get(function, set()) - owners)
            detail = f"Not assigned: any independent member of {function} may take it."
            reason = f"you are in the {function} function and the review has no assignee"
        yield DueItem(
            kind=NotificationKind.REVIEW,
            subject=str(pk),
            object_type="governance.riskreview",
            object_id=pk,
            system_id=row.system_id,
            system_name=name,
            label=f"the {function} review #{pk} of {name}",
            detail=detail,
            owed_reason=reason,
            path=f"/reviews/{pk}/",
            due_at=row.due_at,
            ladder=tiers.get(row.system__risk_tier, FALLBACK_LADDER),
            owed_by=owed,
            leads=frozenset(people.function_leads.get(function, set())),
            executive=people.one(row.system__accountable_executive_id),
        )


def _overdue_signoffs(now: dt.datetime, people: Directory, tiers: dict[str, Ladder]):
    approvals = list(
        ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING, due_at__lt=now)
        .order_by("due_at", "id")
        .values_list(
            "id",
            "round",
            "required_functions",
            "due_at",
            "risk_tier",
            "requested_by_id",
            "environment",
            "model_version__version",
            "model_version__model__name",
            "model_version__model__system_id",
            "model_version__model__system__name",
            "model_version__model__system__owning_team_id",
            "model_version__model__system__technical_owner_id",
            "model_version__model__system__accountable_executive_id",
            named=True,
        )
    )
    signed: dict[int, list[tuple[int, str, str, int]]] = defaultdict(list)
    for approval_id, rnd, function, decision, reviewer in Signoff.objects.filter(
        approval__status=ApprovalStatus.PENDING, approval__due_at__lt=now
    ).values_list("approval_id", "round", "function", "decision", "reviewer_id"):
        signed[approval_id].append((rnd, function, decision, reviewer))
    for row in approvals:
        pk, rnd = row.id, row.round
        system = "model_version__model__system"
        name = getattr(row, f"{system}__name")
        team = getattr(row, f"{system}__owning_team_id")
        tech = getattr(row, f"{system}__technical_owner_id")
        done = {f for r, f, d, _ in signed[pk] if r == rnd and d == Decision.APPROVE}
        missing = [f for f in row.required_functions if f not in done]
        if not missing:
            continue
        # Those who may not sign (governance.permissions.signoff_refusal): the requester, the
        # system's owners, and whoever signed another function or already decided this round.
        barred = people.team_members.get(team, set()) | {row.requested_by_id, tech}
        owed: set[int] = set()
        for function in missing:
            signers = {reviewer for r, f, _, reviewer in signed[pk] if f != function or r == rnd}
            eligible = people.function_members.get(function, set()) - barred - signers
            owed |= eligible or people.function_leads.get(function, set())
        leads = set().union(*(people.function_leads.get(f, set()) for f in missing))
        yield DueItem(
            kind=NotificationKind.SIGNOFF,
            subject=f"{pk}.r{rnd}",
            object_type="governance.approvalrequest",
            object_id=pk,
            system_id=getattr(row, f"{system}_id"),
            system_name=name,
            label=(
                f"approval #{pk} ({row.model_version__model__name} "
                f"{row.model_version__version} to {row.environment}, {name})"
            ),
            detail=f"Missing sign-off from: {', '.join(missing)}.",
            owed_reason="you may sign a function whose sign-off is missing",
            path=f"/approvals/{pk}/",
            due_at=row.due_at,
            ladder=tiers.get(row.risk_tier, FALLBACK_LADDER),
            owed_by=frozenset(owed - people.inactive),
            leads=frozenset(leads),
            executive=people.one(getattr(row, f"{system}__accountable_executive_id")),
        )


def _overdue_reports(now: dt.datetime, people: Directory, tiers: dict[str, Ladder]):
    rows = (
        Incident.objects.filter(is_serious=True, reported_at__isnull=True, report_due_at__lt=now)
        .order_by("report_due_at", "id")
        .values_list(
            "id",
            "title",
            "report_due_at",
            "serious_category",
            "owner_id",
            "owner__username",
            "system_id",
            "system__name",
            "system__slug",
            "system__risk_tier",
            "system__owning_team_id",
            "system__technical_owner_id",
            "system__accountable_executive_id",
            named=True,
        )
    )
    for row in rows:
        pk, name, owner = row.id, row.system__name, row.owner_id
        owed = people.active(owner) or people.active(row.system__technical_owner_id)
        yield DueItem(
            kind=NotificationKind.INCIDENT_REPORT,
            subject=str(pk),
            object_type="registry.incident",
            object_id=pk,
            system_id=row.system_id,
            system_name=name,
            label=f"the regulator's report of serious incident #{pk} ({row.title[:80]}) on {name}",
            detail=(
                f"Owner: {row.owner__username or 'nobody'}. Category: {row.serious_category}. "
                "EU AI Act art. 73 deadline from awareness."
            ),
            owed_reason=(
                "you own the incident" if owner in owed else "you are the system's technical owner"
            ),
            path=f"/systems/{row.system__slug}/#incidents",
            due_at=row.report_due_at,
            ladder=tiers.get(row.system__risk_tier, FALLBACK_LADDER),
            owed_by=owed,
            leads=people.active(people.team_leads.get(row.system__owning_team_id)),
            executive=people.one(row.system__accountable_executive_id),
        )


def due_items(*, now: dt.datetime) -> Iterator[DueItem]:
    """Everything past due right now, with its ladder and the people on it."""
    people = Directory.load()
    tiers = ladders()
    yield from _overdue_reviews(now, people, tiers)
    yield from _overdue_signoffs(now, people, tiers)
    yield from _overdue_reports(now, people, tiers)
