"""Sign-offs are bound to the evidence they were given on: each records the digests in force on
the version and the request when the reviewer decided, and replacing or withdrawing that
evidence afterwards invalidates the request, with the reason — as a changed artifact does."""

from __future__ import annotations

import pytest

from governance.approvals import services as gov
from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest, SignoffEvidence
from registry.evidence import services as evidence_services
from registry.inventory.choices import VersionStatus
from tests.evidence_support import PDF, attached, upload
from tests.helpers import check
from tests.ui_support import pending_approval

pytestmark = pytest.mark.django_db
ALL_FUNCTIONS = (
    "legal_reviewer",
    "security_reviewer",
    "privacy_reviewer",
    "finance_reviewer",
    "compliance_officer",
)


def sign(user, approval, function: str, decision: str = "approve", comment: str = ""):
    return gov.signoff_record(
        actor=user, approval=approval, function=function, decision=decision, comment=comment
    )


def _link(actor, subject_type: str, subject_id: int, title: str = "Bias test"):
    return evidence_services.evidence_attach(
        actor=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title,
        kind="test_results",
        link_url="https://ci.example.com/bias/7",
    )


def test_the_story_attach_sign_replace_invalidated(
    api, engineer, compliance_officer, version, audit_log
):
    """An engineer attaches a validation report to a version through the API, compliance signs
    citing it (its digest recorded), the engineer replaces it, and the approval is invalidated
    with the reason."""
    engineer_api, compliance_api = api(engineer), api(compliance_officer)
    report = attached(engineer_api, "model_version", version.pk, title="Validation report")
    approval = check(
        engineer_api.post(
            "/api/v1/approvals/",
            {
                "model_version": version.pk,
                "environment": "production",
                "justification": "Validated on the Q4 holdout.",
            },
            format="json",
        ),
        201,
    )
    signed = check(
        compliance_api.post(
            f"/api/v1/approvals/{approval['id']}/signoffs/",
            {"function": "compliance", "decision": "approve"},
            format="json",
        ),
        201,
    )
    [signoff] = signed["signoffs"]
    assert signoff["evidence"] == [{"evidence": report["id"], "sha256": report["sha256"]}]
    audit_log.mark()

    replaced = check(
        engineer_api.post(
            f"/api/v1/evidence/{report['id']}/versions/",
            {"file": upload("validation-v2.pdf", PDF + b"% rerun\n")},
        ),
        201,
    )
    assert [e.action for e in audit_log.new()] == [
        "registry.evidence.superseded",
        "governance.approval.invalidated",
    ]
    after = check(engineer_api.get(f"/api/v1/approvals/{approval['id']}/"), 200)
    assert after["status"] == "invalidated"
    assert after["status_reason"] == (
        "Evidence 'Validation report' was replaced by version 2 after compliance signed "
        f"(sha256 {report['sha256'][:12]}…); request again."
    )
    assert replaced["sha256"] != report["sha256"]
    # The gate says why, too.
    gate = check(
        engineer_api.get(
            f"/api/v1/deployments/gate/?model_version={version.pk}&environment=production"
        ),
        200,
    )
    assert gate["allowed"] is False
    assert any("was replaced by version 2 after compliance signed" in r for r in gate["reasons"])


def test_the_signoff_event_records_the_digests(engineer, compliance_officer, version, audit_log):
    report = _link(engineer, "model_version", version.pk)
    approval = pending_approval(engineer, version)
    on_request = _link(engineer, "approval", approval.pk, title="Runbook")
    audit_log.mark()
    sign(compliance_officer, approval, "compliance")
    event = audit_log.assert_one("governance.signoff.recorded")
    assert event.changes["evidence"] == [
        [report.pk, report.link_url],
        [on_request.pk, on_request.link_url],
    ]


def test_withdrawing_cited_evidence_invalidates_with_the_reason(
    engineer, legal_reviewer, security_reviewer, version
):
    report = _link(engineer, "model_version", version.pk)
    approval = pending_approval(engineer, version)
    sign(legal_reviewer, approval, "legal")
    sign(security_reviewer, approval, "security")
    evidence_services.evidence_withdraw(actor=engineer, item=report, reason="Run on stale data.")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.INVALIDATED
    assert approval.status_reason == (
        "Evidence 'Bias test' was withdrawn (Run on stale data.) after legal and security signed "
        "(link https://ci.example.com/bias/7); request again."
    )


def test_evidence_on_the_request_binds_too(engineer, compliance_officer, version):
    approval = pending_approval(engineer, version)
    runbook = _link(engineer, "approval", approval.pk, title="Runbook")
    sign(compliance_officer, approval, "compliance")
    evidence_services.evidence_supersede(
        actor=engineer, item=runbook, link_url="https://wiki.example.com/runbook-v2"
    )
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.INVALIDATED
    assert "Evidence 'Runbook' was replaced" in approval.status_reason


def test_evidence_nobody_signed_on_changes_nothing(engineer, compliance_officer, version):
    approval = pending_approval(engineer, version)
    sign(compliance_officer, approval, "compliance")
    # Attached after the sign-off: it was not part of the decision.
    later = _link(engineer, "model_version", version.pk)
    evidence_services.evidence_supersede(actor=engineer, item=later, link_url="https://x.test/2")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    # Evidence of another version is not this request's either.
    assert not SignoffEvidence.objects.filter(evidence=later).exists()


def test_an_approved_request_not_yet_used_is_invalidated_and_the_version_unapproved(
    request, engineer, version
):
    report = _link(engineer, "model_version", version.pk)
    approval = pending_approval(engineer, version)
    for who in ALL_FUNCTIONS:
        user = request.getfixturevalue(who)
        sign(user, approval, "compliance" if who == "compliance_officer" else who.split("_")[0])
    approval.refresh_from_db()
    version.refresh_from_db()
    assert (approval.status, version.status) == (ApprovalStatus.APPROVED, VersionStatus.APPROVED)
    evidence_services.evidence_supersede(actor=engineer, item=report, link_url="https://x.test/2")
    approval.refresh_from_db()
    version.refresh_from_db()
    assert approval.status == ApprovalStatus.INVALIDATED
    assert version.status == VersionStatus.REGISTERED


def test_an_approval_a_deployment_already_used_stays(request, engineer, version):
    report = _link(engineer, "model_version", version.pk)
    approval = pending_approval(engineer, version)
    for who in ALL_FUNCTIONS:
        user = request.getfixturevalue(who)
        sign(user, approval, "compliance" if who == "compliance_officer" else who.split("_")[0])
    gov.deployment_record(actor=engineer, model_version=version, environment="production")
    evidence_services.evidence_supersede(actor=engineer, item=report, link_url="https://x.test/2")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED


def test_only_the_current_rounds_signoffs_count(
    engineer, legal_reviewer, compliance_officer, version
):
    report = _link(engineer, "model_version", version.pk)
    approval = pending_approval(engineer, version)
    sign(legal_reviewer, approval, "legal", "changes_requested", "Add the slice metrics.")
    gov.approval_resubmit(actor=engineer, approval=approval, justification="Slices added.")
    # Round 2: nobody has signed on the report yet.
    evidence_services.evidence_supersede(actor=engineer, item=report, link_url="https://x.test/2")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    sign(compliance_officer, approval, "compliance")
    [cited] = SignoffEvidence.objects.filter(signoff__round=2)
    assert cited.evidence.version == 2


def test_a_superseded_or_withdrawn_item_is_not_cited(engineer, compliance_officer, version):
    report = _link(engineer, "model_version", version.pk)
    evidence_services.evidence_supersede(actor=engineer, item=report, link_url="https://x.test/2")
    gone = _link(engineer, "model_version", version.pk, title="Old")
    evidence_services.evidence_withdraw(actor=engineer, item=gone, reason="wrong")
    approval = pending_approval(engineer, version)
    signoff = sign(compliance_officer, approval, "compliance")
    assert [link.evidence.version for link in signoff.evidence_links.all()] == [2]
    assert ApprovalRequest.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_signoff_racing_a_correction_never_cites_what_was_replaced_unnoticed(
    engineer, legal_reviewer, version
):
    """Real threads and row locks: whichever commits first, a sign-off either cites the new
    version, or cites the old one and the request is invalidated."""
    from tests.test_approvals_concurrency import run_at_once

    for attempt in range(5):
        report = _link(engineer, "model_version", version.pk, title=f"Report {attempt}")
        approval = pending_approval(engineer, version)

        def act(i, report=report, approval=approval, attempt=attempt):
            if i == 0:
                return sign(legal_reviewer, approval, "legal")
            return evidence_services.evidence_supersede(
                actor=engineer, item=report, link_url=f"https://x.test/{attempt}"
            )

        results = run_at_once(2, act)
        assert not any(isinstance(r, Exception) for r in results), results
        approval.refresh_from_db()
        [cited] = SignoffEvidence.objects.filter(
            signoff__approval=approval, evidence__lineage=report.lineage
        )
        if cited.evidence_id == report.pk:
            assert approval.status == ApprovalStatus.INVALIDATED
        else:
            assert cited.evidence.supersedes_id == report.pk
            assert approval.status == ApprovalStatus.PENDING
        ApprovalRequest.objects.filter(pk=approval.pk).update(status=ApprovalStatus.WITHDRAWN)
