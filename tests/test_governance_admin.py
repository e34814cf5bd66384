"""The admin is no back door: policy edits there go through the service and are audited;
approvals cannot be edited at all."""

import pytest

from governance.approvals import services
from governance.approvals.models import ApprovalRequest
from governance.policies.models import Policy
from registry.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_compliance_edits_policy_in_admin_and_it_is_audited(client, compliance_officer):
    compliance_officer.is_staff = True
    compliance_officer.save()
    client.force_login(compliance_officer)
    policy = Policy.objects.get(risk_tier="minimal")
    url = f"/admin/governance/policy/{policy.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200
    resp = client.post(
        url,
        {
            "approvable": "on",
            "required_functions": '["security", "privacy"]',
            "signoff_sla_days": 4,
            "approval_validity_days": policy.approval_validity_days,
            "review_cadence_days": '{"security": 365}',
            "reminder_interval_hours": policy.reminder_interval_hours,
            "escalation_hours": "[72, 168]",
            "documentation_min_score": 0,
        },
    )
    assert resp.status_code == 302, resp.content[:500]
    policy.refresh_from_db()
    assert policy.required_functions == ["security", "privacy"]
    assert policy.signoff_sla_days == 4
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "governance.policy.updated"
    assert event.source == "admin"
    assert event.changes["signoff_sla_days"] == [5, 4]


def test_staff_engineer_cannot_edit_policy_in_admin(client, engineer):
    engineer.is_staff = True
    engineer.save()
    client.force_login(engineer)
    policy = Policy.objects.get(risk_tier="minimal")
    resp = client.post(f"/admin/governance/policy/{policy.pk}/change/", {"signoff_sla_days": 1})
    assert resp.status_code == 403
    policy.refresh_from_db()
    assert policy.signoff_sla_days == 5


def test_approvals_are_read_only_in_admin(client, admin_user, engineer, version):

    approval = services.approval_request(
        actor=engineer, model_version=version, environment="production", justification="x"
    )
    client.force_login(admin_user)
    assert client.get(f"/admin/governance/approvalrequest/{approval.pk}/change/").status_code == 200
    resp = client.post(
        f"/admin/governance/approvalrequest/{approval.pk}/change/", {"status": "approved"}
    )
    assert resp.status_code == 403
    assert ApprovalRequest.objects.get(pk=approval.pk).status == "pending"
    assert (
        client.post(
            f"/admin/governance/approvalrequest/{approval.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
