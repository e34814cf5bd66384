"""A Hypothesis state machine over the approval workflow.

Random sequences of requests, sign-offs by random people (random roles, some in the owning team,
one the technical owner), withdrawals, resubmissions, version changes, expiries and deployments.
After every step it checks the rules that make an approval impossible to fake:

* an approved request has, for each required function, one approving sign-off in its current
  round by a distinct person who is in that function, is not the requester, not the technical
  owner and not in the owning team;
* at most one open request per version and environment;
* the gate says "allowed" exactly when an approved, unexpired, still-bound request exists for a
  live version of a deployable system — and a deployment succeeds exactly when the gate allows.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from governance.approvals import services as gov
from governance.approvals.choices import OPEN_APPROVAL_STATUSES, ApprovalStatus, Decision
from governance.approvals.models import ApprovalRequest
from governance.policies.models import Policy
from registry.core.exceptions import ConflictError
from registry.inventory import services as reg
from registry.inventory.choices import DatasetRole, Environment, Lifecycle, RiskTier
from registry.inventory.models import Deployment, ModelVersion
from registry.people import services as people_services
from registry.people.choices import TeamFunction

User = get_user_model()
# What the examples reached, so the test can prove it explored approvals and deployments rather
# than a wall of refusals.
REACHED: collections.Counter = collections.Counter()
FUNCTIONS = ["legal", "security", "privacy", "compliance", "finance"]
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
EXPECTED = (PermissionDenied, ConflictError, ValidationError)

person = st.fixed_dictionaries(
    {
        "roles": st.sets(st.sampled_from([*FUNCTIONS, "engineer"]), max_size=3),
        "in_team": st.booleans(),
    }
)


class ApprovalMachine(RuleBasedStateMachine):
    approvals = Bundle("approvals")

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown: a clean world every time.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.now = T0
        self.serial = 0
        self.groups = {g.name: g for g in Group.objects.all()}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _user(self, name: str, roles, in_team: bool = False):
        user = User.objects.create(username=name)
        user.groups.add(*(self.groups[r] for r in roles))
        if in_team:
            user.groups.add(self.team.group)
        return user

    @initialize(
        people=st.lists(person, min_size=3, max_size=9),
        tier=st.sampled_from([RiskTier.HIGH, RiskTier.LIMITED, RiskTier.MINIMAL]),
        owner_roles=st.sets(st.sampled_from(FUNCTIONS), max_size=2),
    )
    def world(self, people, tier, owner_roles) -> None:
        self.team = people_services.team_create(
            actor=None, name="Team", slug="team", function=TeamFunction.ENGINEERING
        )
        # The technical owner may also hold reviewer roles: the rules must still stop them.
        self.owner = self._user("owner", {"engineer", *owner_roles}, in_team=True)
        self.people = [self.owner]
        for i, p in enumerate(people):
            self.people.append(self._user(f"p{i}", p["roles"], p["in_team"]))
        # Every function has at least one independent reviewer, so approval is reachable.
        self.reviewers = {f: self._user(f"rev-{f}", {f}) for f in FUNCTIONS}
        self.people.extend(self.reviewers.values())
        self.system = reg.system_create(
            actor=None,
            owning_team=self.team,
            name="Sys",
            purpose="p",
            risk_tier=tier,
            lifecycle=Lifecycle.VALIDATION,
            technical_owner=self.owner,
        )
        model = reg.model_create(actor=None, system=self.system, name="m")
        self.datasets = [
            reg.dataset_create(actor=None, namespace="ns", name=f"d{i}") for i in range(3)
        ]
        self.versions = [
            reg.version_create(
                actor=None,
                model=model,
                version=str(i),
                artifact_sha256=f"{i}" * 64,
                datasets=[(self.datasets[0], DatasetRole.TRAINING)],
            )
            for i in range(2)
        ]

    # --- Actions --------------------------------------------------------------------------

    @rule(
        target=approvals,
        v=st.integers(0, 1),
        who=st.integers(0, 30),
        env=st.sampled_from(Environment.values),
        by_owner=st.sampled_from([True, True, True, False]),
    )
    def request(self, v, who, env, by_owner):
        # Mostly the owner (who may), sometimes anyone (who mostly may not).
        actor = self.owner if by_owner else self.people[who % len(self.people)]
        try:
            return gov.approval_request(
                actor=actor,
                model_version=self.versions[v],
                environment=env,
                justification="j",
                now=self.now,
            ).pk
        except EXPECTED:
            return multiple()  # nothing to add to the bundle

    @rule(
        a=approvals,
        who=st.integers(0, 30),
        function=st.sampled_from(FUNCTIONS),
        decision=st.sampled_from(
            [Decision.APPROVE] * 6 + [Decision.REJECT, Decision.CHANGES_REQUESTED]
        ),
        by_reviewer=st.sampled_from([True, True, True, False]),
    )
    def sign(self, a, who, function, decision, by_reviewer):
        # Mostly the independent reviewer of that function; sometimes anyone at all, including
        # the requester, the owner, team members and people holding several roles.
        actor = self.reviewers[function] if by_reviewer else self.people[who % len(self.people)]
        with contextlib.suppress(EXPECTED):
            gov.signoff_record(
                actor=actor,
                approval=ApprovalRequest(pk=a),
                function=function,
                decision=decision,
                comment="c",
                now=self.now,
            )

    @rule(
        a=approvals,
        decisions=st.lists(
            st.sampled_from([Decision.APPROVE] * 8 + [Decision.REJECT, Decision.CHANGES_REQUESTED]),
            min_size=1,
            max_size=5,
        ),
    )
    def review_round(self, a, decisions):
        """The independent reviewers work through the required functions in turn."""
        approval = ApprovalRequest.objects.get(pk=a)
        for function, decision in zip(approval.required_functions, decisions, strict=False):
            with contextlib.suppress(EXPECTED):
                gov.signoff_record(
                    actor=self.reviewers[function],
                    approval=approval,
                    function=function,
                    decision=decision,
                    comment="c",
                    now=self.now,
                )

    @rule(a=approvals, who=st.integers(0, 30), resubmit=st.booleans())
    def requester_acts(self, a, who, resubmit):
        """The requester resubmits after changes, or someone (usually not allowed) withdraws."""
        approval = ApprovalRequest.objects.get(pk=a)
        with contextlib.suppress(EXPECTED):
            if resubmit:
                gov.approval_resubmit(actor=approval.requested_by, approval=approval, now=self.now)
            else:
                gov.approval_withdraw(
                    actor=self.people[who % len(self.people)], approval=approval, now=self.now
                )

    @rule(v=st.integers(0, 1), d=st.integers(0, 2), new_artifact=st.booleans())
    def change_version(self, v, d, new_artifact):
        self.serial += 1
        version = ModelVersion.objects.get(pk=self.versions[v].pk)
        try:
            if new_artifact:
                reg.version_update(
                    actor=self.owner,
                    version=version,
                    data={"artifact_sha256": f"{self.serial:064x}"},
                )
            else:
                reg.version_update(
                    actor=self.owner,
                    version=version,
                    data={},
                    datasets=[(self.datasets[d], DatasetRole.TRAINING)],
                )
        except EXPECTED:
            pass

    @rule(days=st.sampled_from([1, 2, 7, 13, 20, 45]))
    def time_passes(self, days):
        self.now += dt.timedelta(days=days)
        gov.approvals_expire(now=self.now)

    @rule(a=approvals)
    def deploy_requested(self, a):
        """Try to deploy exactly what a request was for."""
        approval = ApprovalRequest.objects.get(pk=a)
        versions = [v.pk for v in self.versions]
        self.deploy(versions.index(approval.model_version_id), approval.environment)

    @rule(v=st.integers(0, 1), env=st.sampled_from(Environment.values))
    def deploy(self, v, env):
        version = ModelVersion.objects.select_related("model__system").get(pk=self.versions[v].pk)
        verdict = gov.gate_decide(model_version=version, environment=env, now=self.now)
        try:
            gov.deployment_record(
                actor=self.owner, model_version=version, environment=env, now=self.now
            )
            deployed = True
            REACHED[f"deployed to {env}"] += 1
        except EXPECTED:
            deployed = False
        assert deployed == verdict.allowed, verdict.reasons

    @rule(
        tier=st.sampled_from(RiskTier.values),
        # A change of tier invalidates every open request: at every step it would leave too few
        # examples reaching a production deployment.
        change_tier=st.sampled_from([False] * 5 + [True]),
        retire=st.sampled_from([False] * 5 + [True]),
    )
    def reclassify(self, tier, change_tier, retire):
        data = {}
        if change_tier:
            data["risk_tier"] = tier
        if retire:
            data["lifecycle"] = Lifecycle.RETIRED
        self.system = reg.system_update(actor=None, system=self.system, data=data)

    # --- Invariants -----------------------------------------------------------------------

    @invariant()
    def approved_requests_have_independent_eligible_signers(self):
        if not hasattr(self, "system"):
            return
        for approval in ApprovalRequest.objects.filter(status=ApprovalStatus.APPROVED):
            current = [
                s for s in approval.signoffs.select_related("reviewer") if s.round == approval.round
            ]
            by_function = {}
            for s in current:
                assert s.decision == Decision.APPROVE
                by_function.setdefault(s.function, []).append(s)
            assert sorted(by_function) == sorted(approval.required_functions)
            reviewers = [s.reviewer_id for s in current]
            assert len(reviewers) == len(set(reviewers)), "one person signed twice"
            REACHED["approved"] += 1
            for function, signed in by_function.items():
                assert len(signed) == 1
                reviewer = signed[0].reviewer
                roles = set(reviewer.groups.values_list("name", flat=True))
                assert function in roles
                assert reviewer.pk != approval.requested_by_id
                assert reviewer.pk != self.system.technical_owner_id
                assert self.team.group.name not in roles
            # Across rounds too, one person signs for one function only.
            per_person = {}
            for s in approval.signoffs.all():
                per_person.setdefault(s.reviewer_id, set()).add(s.function)
            assert all(len(fs) == 1 for fs in per_person.values())

    @invariant()
    def open_requests_are_of_the_systems_tier(self):
        """A change of tier invalidates the open requests made under the old one."""
        if not hasattr(self, "system"):
            return
        self.system.refresh_from_db()
        tiers = set(
            ApprovalRequest.objects.filter(status__in=OPEN_APPROVAL_STATUSES).values_list(
                "risk_tier", flat=True
            )
        )
        assert tiers <= {self.system.risk_tier}, tiers

    @invariant()
    def one_open_request_per_version_and_environment(self):
        if not hasattr(self, "system"):
            return
        for v in self.versions:
            for env in Environment.values:
                assert (
                    ApprovalRequest.objects.filter(
                        model_version=v, environment=env, status__in=OPEN_APPROVAL_STATUSES
                    ).count()
                    <= 1
                )

    @invariant()
    def gate_agrees_with_approval_state(self):
        if not hasattr(self, "system"):
            return
        self.system.refresh_from_db()
        policy = Policy.objects.get(risk_tier=self.system.risk_tier)
        for v in self.versions:
            version = ModelVersion.objects.select_related("model__system").get(pk=v.pk)
            digest, links = reg.version_bindings(version)
            expected = (
                policy.approvable
                and self.system.lifecycle != Lifecycle.RETIRED
                and version.status != "deprecated"
                and ApprovalRequest.objects.filter(
                    model_version=version,
                    environment=Environment.PRODUCTION,
                    status=ApprovalStatus.APPROVED,
                    bound_artifact_sha256=digest,
                )
                .exclude(first_deployed_at__isnull=True, expires_at__lte=self.now)
                .filter(
                    pk__in=[
                        a.pk
                        for a in ApprovalRequest.objects.filter(model_version=version)
                        if a.bound_datasets == links
                    ]
                )
                .exists()
            )
            verdict = gov.gate_decide(model_version=version, environment="production", now=self.now)
            assert verdict.allowed == expected, verdict.reasons
            if not verdict.allowed:
                assert verdict.reasons


@pytest.mark.django_db
def test_approval_workflow_state_machine():
    REACHED.clear()
    run_state_machine_as_test(
        ApprovalMachine,
        settings=settings(
            max_examples=200,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
            derandomize=True,  # the same 200 examples in every run: CI cannot flake
        ),
    )
    assert REACHED["approved"] >= 20, REACHED
    assert REACHED["deployed to production"] >= 3, REACHED
    print("state machine reached:", dict(REACHED))
    assert not Deployment.objects.exists()  # every example was rolled back
