"""Deployment approvals through the API: separation of duties, outcomes, and the gate."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from governance.approvals import services as gov
from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest
from governance.policies import services as policies_services
from governance.policies.models import Policy
from registry.audit.models import AuditEvent
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import Lifecycle, RiskTier
from registry.inventory.models import Deployment
from tests.conftest import make_user
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

HIGH_FUNCTIONS = ["legal", "security", "privacy", "compliance", "finance"]


@pytest.fixture
def reviewers(db):
    """One independent reviewer per function."""
    return {f: make_user(f"{f}-rev", f) for f in HIGH_FUNCTIONS}


def request_approval(client, version, environment="production"):
    return client.post(
        "/api/v1/approvals/",
        {
            "model_version": version.pk,
            "environment": environment,
            "justification": "Quarterly retrain; AUC +2pts.",
        },
        format="json",
    )


def sign(client, approval_id, function, decision="approve", comment=""):
    return client.post(
        f"/api/v1/approvals/{approval_id}/signoffs/",
        {"function": function, "decision": decision, "comment": comment},
        format="json",
    )


def gate(client, version, environment="production"):
    return check(
        client.get(
            f"/api/v1/deployments/gate/?model_version={version.pk}&environment={environment}"
        ),
        200,
    )


def test_high_risk_version_end_to_end(
    token_client, engineer, teammate, version, reviewers, datasets
):
    eng = token_client(engineer)
    approval = check(request_approval(eng, version), 201)
    assert approval["status"] == "pending"
    assert approval["required_functions"] == HIGH_FUNCTIONS

    verdict = gate(eng, version)
    assert verdict["allowed"] is False
    assert verdict["approval"] == approval["id"]
    assert (
        "missing sign-off from: legal, security, privacy, compliance, finance"
        in (verdict["reasons"][0])
    )

    # The requester and a member of the owning team are refused, with the reason.
    resp = sign(eng, approval["id"], "legal")
    check(resp, 403)
    assert error_attrs(resp) == {"function"}
    assert "requested this approval" in resp.json()["errors"][0]["detail"]
    teammate.groups.add(*teammate.groups.model.objects.filter(name="legal"))
    resp = sign(token_client(teammate), approval["id"], "legal")
    check(resp, 403)
    assert "owning team" in resp.json()["errors"][0]["detail"]

    # The detail view tells each user, per function, whether they may sign and why not.
    detail = check(
        token_client(reviewers["legal"]).get(f"/api/v1/approvals/{approval['id']}/"), 200
    )
    by_fn = {f["function"]: f for f in detail["functions"]}
    assert by_fn["legal"]["may_sign"] is True
    assert by_fn["security"]["may_sign"] is False
    assert "not a member of the security function" in by_fn["security"]["reason"]

    for function in HIGH_FUNCTIONS[:-1]:
        check(sign(token_client(reviewers[function]), approval["id"], function), 201)
        assert gate(eng, version)["allowed"] is False
    last = check(sign(token_client(reviewers["finance"]), approval["id"], "finance"), 201)
    assert last["status"] == "approved"
    assert gate(eng, version) == {"allowed": True, "reasons": [], "approval": approval["id"]}

    deployment = check(
        eng.post(
            "/api/v1/deployments/",
            {"model_version": version.pk, "environment": "production"},
            format="json",
        ),
        201,
    )
    assert deployment["environment"] == "production"
    assert deployment["approval"] == approval["id"]  # which approval allowed it
    assert ApprovalRequest.objects.get(pk=approval["id"]).first_deployed_at is not None
    listed = check(eng.get(f"/api/v1/deployments/?model_version={version.pk}"), 200)["results"]
    assert {d["environment"]: d["approval"] for d in listed}["production"] == approval["id"]

    # Changing the version's linked datasets afterwards invalidates the approval.
    check(
        eng.patch(
            f"/api/v1/model-versions/{version.pk}/",
            {"training_datasets": [{"dataset": datasets["raw"].pk, "role": "training"}]},
            format="json",
        ),
        200,
    )
    stored = ApprovalRequest.objects.get(pk=approval["id"])
    assert stored.status == ApprovalStatus.INVALIDATED
    assert "datasets" in stored.status_reason
    verdict = gate(eng, version)
    assert verdict["allowed"] is False
    assert "invalidated" in verdict["reasons"][0]


def test_production_deployment_without_approval_is_refused_and_recorded(
    token_client, engineer, version, audit_log
):
    client = token_client(engineer)
    audit_log.mark()
    resp = client.post(
        "/api/v1/deployments/",
        {"model_version": version.pk, "environment": "production"},
        format="json",
    )
    check(resp, 409)
    assert error_attrs(resp) == {"model_version"}
    assert "No approval has been requested" in resp.json()["errors"][0]["detail"]
    assert not Deployment.objects.exists()
    audit_log.assert_one("governance.gate.refused")


def test_staging_needs_no_approval(token_client, engineer, version):
    body = check(
        token_client(engineer).post(
            "/api/v1/deployments/",
            {"model_version": version.pk, "environment": "staging"},
            format="json",
        ),
        201,
    )
    assert body["approval"] is None


# --- Separation of duties, each rule ----------------------------------------------------------


@pytest.fixture
def pending(engineer, version):
    return gov.approval_request(
        actor=engineer, model_version=version, environment="production", justification="ship"
    )


def test_technical_owner_cannot_sign_even_outside_the_team(api, system, pending, other_team):
    owner = make_user("owner", Role.LEGAL, Role.ENGINEER)
    system.technical_owner = owner
    system.save()
    resp = sign(api(owner), pending.pk, "legal")
    check(resp, 403)
    assert "technical owner" in resp.json()["errors"][0]["detail"]


def test_reviewer_signs_only_for_their_function(api, pending, reviewers):
    resp = sign(api(reviewers["legal"]), pending.pk, "security")
    check(resp, 403)
    assert "not a member of the security function" in resp.json()["errors"][0]["detail"]


def test_one_person_signs_at_most_one_function(api, pending):
    both = make_user("both", Role.LEGAL, Role.SECURITY)
    check(sign(api(both), pending.pk, "legal"), 201)
    resp = sign(api(both), pending.pk, "security")
    check(resp, 403)
    assert "one function each" in resp.json()["errors"][0]["detail"]


def test_second_signature_for_a_function_conflicts(api, pending, reviewers):
    check(sign(api(reviewers["legal"]), pending.pk, "legal"), 201)
    other_legal = make_user("legal-2", Role.LEGAL)
    resp = sign(api(other_legal), pending.pk, "legal")
    check(resp, 409)
    assert error_attrs(resp) == {"function"}


def test_function_not_required_cannot_sign(api, engineer, model, reviewers):

    system = model.system
    services.system_update(actor=None, system=system, data={"risk_tier": RiskTier.MINIMAL})
    v = services.version_create(actor=None, model=model, version="9")
    approval = gov.approval_request(
        actor=engineer, model_version=v, environment="production", justification="x"
    )
    assert approval.required_functions == ["security"]
    resp = sign(api(reviewers["legal"]), approval.pk, "legal")
    check(resp, 403)
    assert "not required" in resp.json()["errors"][0]["detail"]


def test_superuser_is_not_exempt_from_separation_of_duties(api, admin_user, pending):
    resp = sign(api(admin_user), pending.pk, "legal")
    check(resp, 403)


def test_any_reject_rejects(api, pending, reviewers, engineer, version):
    check(sign(api(reviewers["legal"]), pending.pk, "legal"), 201)
    resp = sign(api(reviewers["privacy"]), pending.pk, "privacy", "reject", "No DPIA on file.")
    assert check(resp, 201)["status"] == "rejected"
    verdict = gate(api(engineer), version)
    assert verdict["allowed"] is False
    assert "rejected" in verdict["reasons"][0]
    # A decided request takes no more sign-offs.
    resp = sign(api(reviewers["security"]), pending.pk, "security")
    check(resp, 403)
    assert "not pending" in resp.json()["errors"][0]["detail"]


def test_reject_needs_a_comment(api, pending, reviewers):
    resp = sign(api(reviewers["privacy"]), pending.pk, "privacy", "reject")
    check(resp, 400)
    assert error_attrs(resp) == {"comment"}


def test_changes_requested_returns_to_requester_who_resubmits(api, pending, reviewers, engineer):
    check(sign(api(reviewers["legal"]), pending.pk, "legal"), 201)
    resp = sign(
        api(reviewers["security"]),
        pending.pk,
        "security",
        "changes_requested",
        "Pin the base image.",
    )
    assert check(resp, 201)["status"] == "changes_requested"
    check(
        api(reviewers["legal"]).post(
            f"/api/v1/approvals/{pending.pk}/resubmit/", {}, format="json"
        ),
        403,
    )
    body = check(
        api(engineer).post(
            f"/api/v1/approvals/{pending.pk}/resubmit/", {"justification": "Pinned."}, format="json"
        ),
        200,
    )
    assert body["status"] == "pending"
    assert body["round"] == 2
    # A new round: earlier sign-offs do not count, and the earlier signer may sign again.
    assert all(f["decision"] is None for f in body["functions"])
    check(sign(api(reviewers["legal"]), pending.pk, "legal"), 201)


def test_requester_withdraws_and_others_cannot(api, pending, engineer, teammate):
    check(api(teammate).post(f"/api/v1/approvals/{pending.pk}/withdraw/", {}, format="json"), 403)
    body = check(
        api(engineer).post(
            f"/api/v1/approvals/{pending.pk}/withdraw/", {"reason": "wrong build"}, format="json"
        ),
        200,
    )
    assert body["status"] == "withdrawn"
    check(api(engineer).post(f"/api/v1/approvals/{pending.pk}/withdraw/", {}, format="json"), 409)


def test_only_owners_request_approval(api, other_engineer, legal_reviewer, version):
    for user in (other_engineer, legal_reviewer):
        resp = request_approval(api(user), version)
        check(resp, 403)
    assert not ApprovalRequest.objects.exists()


def test_second_open_request_for_same_version_conflicts(api, engineer, pending, version):
    resp = request_approval(api(engineer), version)
    check(resp, 409)
    assert error_attrs(resp) == {"model_version"}


def test_unacceptable_risk_is_never_approvable(api, engineer, system, version):
    system.risk_tier = RiskTier.UNACCEPTABLE
    system.save()
    resp = request_approval(api(engineer), version)
    check(resp, 409)
    assert "never be deployed" in resp.json()["errors"][0]["detail"]
    verdict = gate(api(engineer), version)
    assert any("may never be deployed" in r for r in verdict["reasons"])


def test_bad_approval_input_names_the_field(api, engineer, version):
    resp = api(engineer).post(
        "/api/v1/approvals/", {"model_version": 99999, "environment": "moon"}, format="json"
    )
    check(resp, 400)
    assert error_attrs(resp) == {"model_version", "environment", "justification"}


# --- Expiry, invalidation and the gate's other reasons ----------------------------------------


def approve_all(approval, reviewers, now=None):
    for function in approval.required_functions:
        gov.signoff_record(
            actor=reviewers[function],
            approval=approval,
            function=function,
            decision="approve",
            now=now,
        )


def test_unused_approval_expires(api, engineer, pending, reviewers, version):
    approve_all(pending, reviewers)
    pending.refresh_from_db()
    later = pending.expires_at + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        verdict = gate(api(engineer), version)
        assert verdict["allowed"] is False and "expired" in verdict["reasons"][0]
        assert gov.approvals_expire(now=timezone.now()) == 1
        assert gov.approvals_expire(now=timezone.now()) == 0
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.EXPIRED
    assert "expired unused" in gate(api(engineer), version)["reasons"][0]


def test_used_approval_does_not_expire(engineer, pending, reviewers, version):
    approve_all(pending, reviewers)
    gov.deployment_record(actor=engineer, model_version=version, environment="production")
    pending.refresh_from_db()
    assert gov.approvals_expire(now=pending.expires_at + dt.timedelta(days=1)) == 0


def test_changing_the_artifact_of_a_pending_request_invalidates_it(api, engineer, pending, version):
    check(
        api(engineer).patch(
            f"/api/v1/model-versions/{version.pk}/", {"artifact_sha256": "c" * 64}, format="json"
        ),
        200,
    )
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.INVALIDATED
    assert "artifact_sha256" in pending.status_reason


def test_a_change_of_risk_tier_invalidates_the_open_requests(
    api, engineer, system, pending, reviewers, version
):
    """The tier's policy decided who had to sign: a request approved under it no longer holds
    once the system is reclassified. Other changes to the system leave requests alone."""
    approve_all(pending, reviewers)
    assert gate(api(engineer), version)["allowed"] is True
    check(
        api(engineer).patch(f"/api/v1/systems/{system.pk}/", {"purpose": "More"}, format="json"),
        200,
    )
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.APPROVED

    check(
        api(engineer).patch(
            f"/api/v1/systems/{system.pk}/", {"risk_tier": "limited"}, format="json"
        ),
        200,
    )
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.INVALIDATED
    assert pending.status_reason == (
        "The system's risk tier changed from high to limited after the request; request again "
        "under the limited policy."
    )
    version.refresh_from_db()
    assert version.status == "registered"
    verdict = gate(api(engineer), version)
    assert verdict["allowed"] is False and "risk tier changed" in verdict["reasons"][0]
    [event] = AuditEvent.objects.filter(
        action="governance.approval.invalidated", object_id=str(pending.pk)
    )
    assert event.actor_id == engineer.pk
    # A new request is decided under the new tier.
    again = gov.approval_request(
        actor=engineer, model_version=version, environment="production", justification="again"
    )
    assert again.risk_tier == "limited"
    assert set(again.required_functions) == set(
        Policy.objects.get(risk_tier="limited").required_functions
    )


def test_new_owners_who_signed_invalidate_the_request_others_do_not(
    api, engineer, admin_user, system, pending, reviewers, version, other_team
):
    """Independence was judged against the owners of the day: a system handed to owners among
    whom is one of its signers is no longer independently approved."""
    approve_all(pending, reviewers)
    # Handed to a team none of the signers is in: the approval stands.
    check(
        api(admin_user).patch(
            f"/api/v1/systems/{system.pk}/", {"owning_team": other_team.slug}, format="json"
        ),
        200,
    )
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.APPROVED
    # A signer becomes its technical owner: invalidated, and the gate closes.
    check(
        api(admin_user).patch(
            f"/api/v1/systems/{system.pk}/",
            {"technical_owner": reviewers["privacy"].username},
            format="json",
        ),
        200,
    )
    pending.refresh_from_db()
    assert pending.status == ApprovalStatus.INVALIDATED
    assert "owners changed after the request, and one of them signed it" in pending.status_reason
    verdict = gate(api(engineer), version)
    assert verdict["allowed"] is False and "owners changed" in verdict["reasons"][0]


def test_the_gate_refuses_an_approval_of_another_tier(
    api, engineer, system, pending, reviewers, version
):
    """Should a request slip past the invalidation (made while the tier was being changed), the
    gate still compares its tier with the system's."""
    approve_all(pending, reviewers)
    type(system).objects.filter(pk=system.pk).update(risk_tier=RiskTier.LIMITED)  # the race
    verdict = gate(api(engineer), version)
    assert verdict["allowed"] is False
    assert verdict["reasons"] == [
        f"Approval #{pending.pk} was requested under the high risk policy; the system is now "
        "limited risk. Request again."
    ]


def test_approved_version_content_is_frozen(api, engineer, pending, reviewers, version):
    approve_all(pending, reviewers)
    resp = api(engineer).patch(
        f"/api/v1/model-versions/{version.pk}/", {"artifact_sha256": "c" * 64}, format="json"
    )
    check(resp, 409)
    assert error_attrs(resp) == {"artifact_sha256"}


def test_gate_names_retired_system_and_deprecated_version(api, engineer, system, version):
    system.lifecycle = Lifecycle.RETIRED
    system.save()
    version.status = "deprecated"
    version.save()
    reasons = gate(api(engineer), version, "staging")["reasons"]
    assert any("retired" in r for r in reasons)
    assert any("deprecated" in r for r in reasons)


def test_gate_bad_query_names_the_field(api, engineer):
    resp = api(engineer).get("/api/v1/deployments/gate/?model_version=abc&environment=prod")
    check(resp, 400)
    assert error_attrs(resp) == {"model_version", "environment"}


def test_gate_refusal_is_audited(api, engineer, version):
    gate(api(engineer), version)
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "governance.gate.refused"
    assert event.changes["environment"] == "production"


def test_a_pipeline_polling_the_gate_records_each_refusal_once_a_day(
    api, engineer, teammate, pending, reviewers, version
):
    """Polling while sign-offs come in: a refusal is recorded when it first says something (or
    someone asks anew, or a day has passed), not at every poll."""

    def refusals() -> list[tuple[int, list[str]]]:
        return [
            (e.actor_id, e.changes["reasons"])
            for e in AuditEvent.objects.filter(action="governance.gate.refused").order_by(
                "sequence"
            )
        ]

    for _ in range(3):
        gate(api(engineer), version)
    assert len(refusals()) == 1
    gov.signoff_record(
        actor=reviewers["legal"], approval=pending, function="legal", decision="approve"
    )
    gate(api(engineer), version)  # says something new: legal is no longer missing
    gate(api(engineer), version)
    gate(api(teammate), version)  # someone else asks
    assert [actor for actor, _ in refusals()] == [engineer.pk, engineer.pk, teammate.pk]
    assert "legal" in refusals()[0][1][0] and "legal" not in refusals()[1][1][0]
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        gate(api(engineer), version)  # still refused a day later: on the record again
    assert len(refusals()) == 4
    # An attempt to deploy is always recorded, however often it is refused.
    for _ in range(2):
        check(
            api(engineer).post(
                "/api/v1/deployments/",
                {"model_version": version.pk, "environment": "production"},
                format="json",
            ),
            409,
        )
    assert len(refusals()) == 6


def test_every_step_is_audited(engineer, reviewers, version):
    approval = gov.approval_request(
        actor=engineer, model_version=version, environment="production", justification="x"
    )
    approve_all(approval, reviewers)
    actions = list(
        AuditEvent.objects.filter(object_type="governance.approvalrequest").values_list(
            "action", flat=True
        )
    )
    assert actions == ["governance.approval.requested"] + ["governance.signoff.recorded"] * 5
    last = AuditEvent.objects.order_by("-sequence").first()
    assert last.changes["status"] == ["pending", "approved"]


# --- Policies ---------------------------------------------------------------------------------


def test_compliance_edits_policy_with_etag(api, compliance_officer, engineer):
    policy = Policy.objects.get(risk_tier="limited")
    c = api(compliance_officer)
    resp = c.get(f"/api/v1/policies/{policy.pk}/")
    etag = resp["ETag"]
    body = check(
        c.patch(
            f"/api/v1/policies/{policy.pk}/",
            {"signoff_sla_days": 2},
            format="json",
            HTTP_IF_MATCH=etag,
        ),
        200,
    )
    assert body["signoff_sla_days"] == 2
    resp = c.patch(
        f"/api/v1/policies/{policy.pk}/", {"signoff_sla_days": 9}, format="json", HTTP_IF_MATCH=etag
    )
    check(resp, 412)
    policy.refresh_from_db()
    assert policy.signoff_sla_days == 2
    check(
        api(engineer).patch(
            f"/api/v1/policies/{policy.pk}/", {"signoff_sla_days": 1}, format="json"
        ),
        403,
    )


def test_policy_validation_names_the_field(api, compliance_officer):
    policy = Policy.objects.get(risk_tier="high")
    resp = api(compliance_officer).patch(
        f"/api/v1/policies/{policy.pk}/",
        {"required_functions": ["legal", "astrology"], "escalation_hours": [5, 2]},
        format="json",
    )
    check(resp, 400)
    assert error_attrs(resp) == {"required_functions", "escalation_hours"}


@pytest.mark.parametrize(
    ("field", "too_big", "largest"),
    [
        ("signoff_sla_days", 366, 365),
        ("approval_validity_days", 3651, 3650),
        ("reminder_interval_hours", 24 * 365 + 1, 24 * 365),
    ],
)
def test_policy_durations_have_an_upper_bound(api, compliance_officer, field, too_big, largest):
    policy = Policy.objects.get(risk_tier="high")
    resp = api(compliance_officer).patch(
        f"/api/v1/policies/{policy.pk}/", {field: too_big}, format="json"
    )
    check(resp, 400)
    assert error_attrs(resp) == {field}
    resp = api(compliance_officer).patch(
        f"/api/v1/policies/{policy.pk}/", {field: largest}, format="json"
    )
    check(resp, 200)
    policy.refresh_from_db()
    assert getattr(policy, field) == largest


def test_requests_snapshot_the_policy(api, compliance_officer, engineer, version):
    approval = gov.approval_request(
        actor=engineer, model_version=version, environment="production", justification="x"
    )
    policy = Policy.objects.get(risk_tier="high")
    policies_services.policy_update(
        actor=compliance_officer, policy=policy, data={"required_functions": ["legal"]}
    )
    approval.refresh_from_db()
    assert approval.required_functions == HIGH_FUNCTIONS


def test_outsider_production_deployment_is_403_and_leaves_nothing(
    api, other_engineer, version, audit_log
):
    resp = api(other_engineer).post(
        "/api/v1/deployments/",
        {"model_version": version.pk, "environment": "production"},
        format="json",
    )
    check(resp, 403)
    assert error_attrs(resp) == {"model_version"}
    assert not Deployment.objects.exists()
    audit_log.assert_none()


def test_gate_questions_from_people_who_cannot_deploy_are_not_recorded(
    api, executive, legal_reviewer, version, audit_log
):
    for user in (executive, legal_reviewer):
        verdict = gate(api(user), version)
        assert verdict["allowed"] is False
    audit_log.assert_none()
