"""The web UI's pages through Django's test client: who sees what (404 for what they may not see,
403 with a readable reason for what they may not do), that forms call the same services and
permission predicates as the API, CSRF, htmx partials, and flat query counts on list pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from governance.approvals import services as gov
from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest, Signoff
from governance.policies import services as policies_services
from governance.policies.models import Policy
from registry.audit.choices import AuditSource
from registry.audit.models import AuditEvent
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import DatasetRole, Lifecycle, RiskTier
from tests.conftest import make_user
from tests.ui_support import pending_approval

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def approval(engineer, version):
    return pending_approval(engineer, version)


# --- Sign-in and navigation -------------------------------------------------------------------


def test_login_page_is_labelled_and_signs_in_with_csrf(engineer):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "erin", "password": "pw-erin", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_without_csrf_token_is_refused(engineer):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "erin", "password": "pw-erin"})
    assert response.status_code == 403


def test_wrong_password_says_so(engineer):
    response = Client().post("/accounts/login/", {"username": "erin", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    ["/", "/queue/", "/approvals/", "/systems/", "/systems/x/", "/policies/", "/audit/"],
)
def test_pages_send_anonymous_visitors_to_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_sign_out_is_a_post(engineer):
    client = client_for(engineer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def _nav(client) -> list[str]:
    return [item["label"] for item in client.get("/").context["nav"]]


def test_navigation_is_shaped_by_role(
    engineer, compliance_officer, legal_reviewer, executive, auditor
):
    assert _nav(client_for(engineer)) == ["Dashboard", "Systems", "My queue", "Approvals"]
    legal = _nav(client_for(legal_reviewer))
    assert {"My queue", "Approvals"} <= set(legal) and "Policies" not in legal
    compliance = _nav(client_for(compliance_officer))
    assert {"My queue", "Approvals", "Policies", "Audit log"} <= set(compliance)
    exec_nav = _nav(client_for(executive))
    assert {"Dashboard", "Systems"} <= set(exec_nav) and "My queue" not in exec_nav
    auditor_nav = _nav(client_for(auditor))
    assert {"Audit log", "Systems"} <= set(auditor_nav) and "Approvals" not in auditor_nav


# --- Dashboard and queue ----------------------------------------------------------------------


def test_dashboard_shows_what_waits_and_the_inventory(compliance_officer, approval, system):
    response = client_for(compliance_officer).get("/")
    assert response.status_code == 200
    assert response.context["queue_total"] == 1
    table = response.context["table"]
    assert table.total == 1
    high = next(r for r in table.rows if r[0] == RiskTier.HIGH)
    assert dict(high[2])[Lifecycle.DEVELOPMENT] == 1


def test_dashboard_lead_time_is_the_median_of_approved_requests(
    engineer, compliance_officer, version
):
    policy = Policy.objects.get(risk_tier=RiskTier.HIGH)
    policy.required_functions = ["compliance"]
    policy.save()
    approval = pending_approval(engineer, version)

    gov.signoff_record(
        actor=compliance_officer,
        approval=approval,
        function="compliance",
        decision="approve",
        now=approval.created_at + dt.timedelta(hours=30),
    )
    response = client_for(compliance_officer).get("/")
    assert response.context["lead_time_all"] == dt.timedelta(hours=30)
    assert "1 day 6 h" in response.content.decode()


def test_queue_lists_what_i_may_sign_overdue_first(
    engineer, compliance_officer, legal_reviewer, version, model
):
    later = pending_approval(engineer, version)
    other = services.version_create(actor=None, model=model, version="2.0.0")
    overdue = pending_approval(engineer, other)
    ApprovalRequest.objects.filter(pk=overdue.pk).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    items = client_for(compliance_officer).get("/queue/").context["queue"]
    assert [(i.approval.pk, i.function, i.overdue) for i in items] == [
        (overdue.pk, "compliance", True),
        (later.pk, "compliance", False),
    ]
    # The requester has nothing to sign; legal signs only legal.
    assert client_for(engineer).get("/queue/").context["queue"] == []
    assert {i.function for i in client_for(legal_reviewer).get("/queue/").context["queue"]} == {
        "legal"
    }


def test_queue_query_count_does_not_grow(
    engineer, compliance_officer, model, version, django_assert_max_num_queries
):
    client = client_for(compliance_officer)
    pending_approval(engineer, version)
    client.get("/queue/")
    with django_assert_max_num_queries(12) as few:
        client.get("/queue/")
    for n in range(5):
        v = services.version_create(actor=None, model=model, version=f"3.{n}")
        pending_approval(engineer, v)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/queue/")
    assert len(response.context["queue"]) == 6


# --- Systems ----------------------------------------------------------------------------------


def test_systems_list_filters_and_searches(engineer, system, other_team, other_engineer):
    services.system_create(
        actor=None,
        owning_team=other_team,
        name="Support chatbot",
        purpose="Answer customer questions.",
        risk_tier=RiskTier.LIMITED,
        lifecycle=Lifecycle.PRODUCTION,
        technical_owner=other_engineer,
    )
    client = client_for(engineer)

    def names(query: str) -> list[str]:
        return [s.name for s in client.get("/systems/" + query).context["page"]]

    assert names("") == ["Fraud scoring", "Support chatbot"]
    assert names("?risk_tier=limited") == ["Support chatbot"]
    assert names("?lifecycle=development&lifecycle=production") == [
        "Fraud scoring",
        "Support chatbot",
    ]
    assert names("?owning_team=fraud-ml") == ["Fraud scoring"]
    assert names("?q=customer") == ["Support chatbot"]
    assert names("?risk_tier=nonsense") == []


def test_systems_filter_answers_htmx_with_the_results_only(engineer, system):
    response = client_for(engineer).get("/systems/?q=fraud", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Fraud scoring" in html and "<html" not in html


def test_systems_list_query_count_does_not_grow(engineer, team, django_assert_max_num_queries):
    client = client_for(engineer)
    client.get("/systems/")
    with django_assert_max_num_queries(12) as few:
        client.get("/systems/")
    for n in range(30):
        services.system_create(
            actor=None,
            owning_team=team,
            name=f"System {n:02}",
            purpose="p",
            risk_tier=RiskTier.MINIMAL,
            technical_owner=engineer,
        )
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the page count
        response = client.get("/systems/?page=2")
    assert response.context["page"].number == 2


def test_system_page_shows_the_whole_record(compliance_officer, system, version, approval):
    response = client_for(compliance_officer).get(f"/systems/{system.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fraud scoring" in html and "transactions/features" in html
    assert "transactions/raw" in html  # upstream lineage of the version
    assert f"#{approval.pk}" in html
    assert "registry.aisystem.created" in html or response.context["history"]


def test_system_page_query_count_does_not_grow_with_versions_and_their_lineage(
    compliance_officer, system, model, version, team, django_assert_max_num_queries
):
    """Each version shows what it was built from; the lineage of all of them is read at once."""

    def add_version(n: int) -> None:
        # A chain of its own upstream of each new version, as deep as the page looks.
        raw, clean, features = (
            services.dataset_create(
                actor=None, namespace="s3://more", name=f"v{n}/{stage}", owner_team=team
            )
            for stage in ("raw", "clean", "features")
        )
        services.lineage_record(actor=None, source=raw, target=clean, job_name=f"clean{n}")
        services.lineage_record(actor=None, source=clean, target=features, job_name=f"feat{n}")
        services.version_create(
            actor=None, model=model, version=f"2.{n}", datasets=[(features, DatasetRole.TRAINING)]
        )

    client = client_for(compliance_officer)
    add_version(0)
    with django_assert_max_num_queries(40) as few:
        assert client.get(f"/systems/{system.slug}/").status_code == 200
    for n in range(1, 5):
        add_version(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"/systems/{system.slug}/")
    [(_, rows)] = response.context["models"]
    shown = {v.version: [d.name for d in up] for v, _, up, _ in rows}
    assert shown == {
        "1.0.0": ["transactions/raw"],
        **{f"2.{n}": [f"v{n}/clean", f"v{n}/raw"] for n in range(5)},
    }


def test_version_page_shows_card_lineage_deployment_approvals_and_history(
    compliance_officer, engineer, system, version, approval
):
    gov.deployment_record(actor=engineer, model_version=version, environment="staging")
    response = client_for(compliance_officer).get(f"/versions/{version.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{version.model.name} {version.version}" in html
    assert f'href="/systems/{system.slug}/"' in html
    assert "a" * 64 in html  # the artifact digest
    # Its datasets with their roles, what lies upstream, and the job that derived them.
    assert {(link.dataset.name, link.role) for link in response.context["links"]} == {
        ("transactions/features", "training"),
        ("transactions/holdout", "evaluation"),
    }
    assert [d.name for d in response.context["upstream"]] == ["transactions/raw"]
    assert "build_features" in html
    [(source, target, _)] = response.context["edges"]
    assert (source.name, target.name) == ("transactions/raw", "transactions/features")
    assert [d.environment for d in response.context["deployments"]] == ["staging"]
    assert f'href="/approvals/{approval.pk}/"' in html
    actions = [e.action for e in response.context["history"]]
    assert actions[-1] == "registry.version.created"  # newest first: the registration is last


def test_version_page_is_linked_from_the_system_and_approval_pages(
    compliance_officer, system, version, approval
):
    client = client_for(compliance_officer)
    link = f'href="/versions/{version.pk}/"'
    assert link in client.get(f"/systems/{system.slug}/").content.decode()
    assert link in client.get(f"/approvals/{approval.pk}/").content.decode()


def test_unknown_version_is_404_and_the_page_needs_sign_in(engineer, version):
    assert client_for(engineer).get("/versions/999999/").status_code == 404
    response = Client().get(f"/versions/{version.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_version_page_query_count_does_not_grow_with_approvals_and_deployments(
    compliance_officer, engineer, version, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(compliance_officer)
    pending_approval(engineer, version)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/versions/{version.pk}/").status_code == 200
    ApprovalRequest.objects.filter(model_version=version).update(status=ApprovalStatus.WITHDRAWN)
    for environment in ("staging", "production"):
        pending_approval(engineer, version, environment=environment)
    gov.deployment_record(actor=engineer, model_version=version, environment="staging")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/versions/{version.pk}/").status_code == 200


def test_unknown_system_is_404(engineer):
    response = client_for(engineer).get("/systems/no-such-system/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


# --- Approvals and sign-off -------------------------------------------------------------------


def test_reviewer_sees_the_form_and_the_version(compliance_officer, approval, version):
    response = client_for(compliance_officer).get(f"/approvals/{approval.pk}/")
    assert response.status_code == 200
    assert response.context["form"] is not None
    html = response.content.decode()
    assert version.artifact_sha256 in html and "Record my decision" in html
    assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("engineer", "You requested this approval; someone independent must sign it."),
        ("teammate", "You are a member of the system&#x27;s owning team."),
        ("other_engineer", "You are not a member of the compliance function."),
    ],
)
def test_who_may_not_sign_sees_why(request, who, reason, approval):
    user = request.getfixturevalue(who)
    response = client_for(user).get(f"/approvals/{approval.pk}/")
    assert response.status_code == 200
    assert response.context["form"] is None
    assert reason in response.content.decode()


def test_signing_records_through_the_service_and_redirects(compliance_officer, approval):
    client = client_for(compliance_officer)
    response = client.post(
        f"/approvals/{approval.pk}/",
        {"function": "compliance", "decision": "approve", "comment": "Fine."},
    )
    assert response.status_code == 302 and response["Location"] == f"/approvals/{approval.pk}/"
    signoff = Signoff.objects.get(approval=approval)
    assert (signoff.function, signoff.decision, signoff.reviewer) == (
        "compliance",
        "approve",
        compliance_officer,
    )
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "governance.signoff.recorded" and event.source == AuditSource.UI
    page = client.get(response["Location"])
    assert "compliance approve" in page.content.decode()
    assert "Compliance has already decided in this round." in page.content.decode()


def test_htmx_signoff_returns_the_panel(compliance_officer, approval):
    response = client_for(compliance_officer).post(
        f"/approvals/{approval.pk}/",
        {"function": "compliance", "decision": "approve"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") or 'id="signoff-panel"' in html
    assert "<html" not in html and "Recorded: compliance approve" in html


def test_reject_of_last_function_changes_status(compliance_officer, approval):
    client_for(compliance_officer).post(
        f"/approvals/{approval.pk}/",
        {"function": "compliance", "decision": "reject", "comment": "Bias evaluation missing."},
    )
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"function": "compliance"}, "decision"),
        ({"function": "compliance", "decision": "reject"}, "comment"),
        ({"function": "legal", "decision": "approve"}, "function"),
        ({"function": "compliance", "decision": "maybe"}, "decision"),
    ],
)
def test_invalid_signoff_form_is_400_and_records_nothing(compliance_officer, approval, data, field):
    before = AuditEvent.objects.count()
    response = client_for(compliance_officer).post(f"/approvals/{approval.pk}/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert AuditEvent.objects.count() == before
    assert not Signoff.objects.exists()


def test_signing_what_i_may_not_is_403_with_the_reason(engineer, approval):
    before = AuditEvent.objects.count()
    response = client_for(engineer).post(
        f"/approvals/{approval.pk}/", {"function": "compliance", "decision": "approve"}
    )
    assert response.status_code == 403
    assert "You requested this approval" in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_signoff_without_csrf_token_is_refused(compliance_officer, approval):
    client = Client(enforce_csrf_checks=True)
    client.force_login(compliance_officer)
    response = client.post(
        f"/approvals/{approval.pk}/", {"function": "compliance", "decision": "approve"}
    )
    assert response.status_code == 403
    assert not Signoff.objects.exists()


def test_signoff_with_csrf_token_passes(compliance_officer, approval):
    client = Client(enforce_csrf_checks=True)
    client.force_login(compliance_officer)
    page = client.get(f"/approvals/{approval.pk}/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        f"/approvals/{approval.pk}/",
        {"function": "compliance", "decision": "approve", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Signoff.objects.count() == 1


def test_unknown_approval_is_404(engineer):
    assert client_for(engineer).get("/approvals/999999/").status_code == 404


def test_requester_withdraws_others_may_not(engineer, compliance_officer, approval):
    response = client_for(compliance_officer).post(f"/approvals/{approval.pk}/withdraw/")
    assert response.status_code == 403
    response = client_for(engineer).post(
        f"/approvals/{approval.pk}/withdraw/", {"reason": "Superseded."}
    )
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.WITHDRAWN
    # Withdrawing again is a conflict, shown as a message, not a 500.
    again = client_for(engineer).post(f"/approvals/{approval.pk}/withdraw/", follow=True)
    assert "already withdrawn" in again.content.decode()


def test_withdraw_needs_post(engineer, approval):
    assert client_for(engineer).get(f"/approvals/{approval.pk}/withdraw/").status_code == 405


def test_approvals_list_filters_by_status(engineer, approval):
    client = client_for(engineer)
    assert [a.pk for a in client.get("/approvals/").context["page"]] == [approval.pk]
    assert list(client.get("/approvals/?status=approved").context["page"]) == []
    assert [a.pk for a in client.get("/approvals/?status=all").context["page"]] == [approval.pk]


def test_approvals_list_query_count_does_not_grow(
    engineer, model, version, django_assert_max_num_queries
):
    client = client_for(engineer)
    pending_approval(engineer, version)
    client.get("/approvals/")
    with django_assert_max_num_queries(12) as few:
        client.get("/approvals/")
    for n in range(5):
        v = services.version_create(actor=None, model=model, version=f"4.{n}")
        pending_approval(engineer, v)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/approvals/")


# --- Audit log --------------------------------------------------------------------------------


def test_audit_log_shows_events_and_the_chain_status(compliance_officer, system):
    client = client_for(compliance_officer)
    response = client.get("/audit/?verify=1")
    assert response.status_code == 200
    assert response.context["verification"].ok
    assert "Chain intact" in response.content.decode()
    fragment = client.get("/audit/verify/", HTTP_HX_REQUEST="true").content.decode()
    assert "Chain intact" in fragment and "<html" not in fragment
    filtered = client.get("/audit/?action_prefix=registry.system").context["page"]
    assert {e.action for e in filtered} == {"registry.system.created"}


@pytest.mark.parametrize("who", ["auditor", "executive"])
def test_auditors_and_executives_read_the_audit_log(request, who):
    assert client_for(request.getfixturevalue(who)).get("/audit/").status_code == 200


@pytest.mark.parametrize("path", ["/audit/", "/audit/verify/"])
def test_engineers_may_not_read_the_audit_log(engineer, path):
    response = client_for(engineer).get(path)
    assert response.status_code == 403
    assert "Only auditors, compliance and executives" in response.content.decode()


def test_audit_log_query_count_does_not_grow(
    compliance_officer, team, engineer, django_assert_max_num_queries
):
    client = client_for(compliance_officer)
    client.get("/audit/")
    with django_assert_max_num_queries(10) as few:
        client.get("/audit/")
    for n in range(20):
        services.system_create(
            actor=None,
            owning_team=team,
            name=f"Sys {n}",
            purpose="p",
            risk_tier=RiskTier.MINIMAL,
            technical_owner=engineer,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/audit/")


# --- Policies ---------------------------------------------------------------------------------


def _policy_post(client, policy, **overrides):
    page = client.get(f"/policies/{policy.pk}/edit/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data["approvable"] = "on" if data.get("approvable") else ""
    data.update(overrides)
    return client.post(f"/policies/{policy.pk}/edit/", data)


def test_everyone_reads_policies_only_compliance_edits(engineer, compliance_officer):
    policy = Policy.objects.get(risk_tier=RiskTier.HIGH)
    response = client_for(engineer).get("/policies/")
    assert response.status_code == 200 and not response.context["can_edit"]
    assert client_for(engineer).get(f"/policies/{policy.pk}/edit/").status_code == 403
    assert client_for(engineer).post(f"/policies/{policy.pk}/edit/", {}).status_code == 403
    assert client_for(compliance_officer).get("/policies/").context["can_edit"]


def test_compliance_edits_a_policy_through_the_service(compliance_officer):
    policy = Policy.objects.get(risk_tier=RiskTier.HIGH)
    client = client_for(compliance_officer)
    response = _policy_post(client, policy, signoff_sla_days=9)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.signoff_sla_days == 9 and policy.updated_by == compliance_officer
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "governance.policy.updated" and event.source == AuditSource.UI


def test_a_stale_policy_edit_is_refused_not_applied(compliance_officer):
    policy = Policy.objects.get(risk_tier=RiskTier.HIGH)
    client = client_for(compliance_officer)
    page = client.get(f"/policies/{policy.pk}/edit/")
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data["approvable"] = "on"
    # Someone else saves in between.

    policies_services.policy_update(
        actor=compliance_officer, policy=policy, data={"signoff_sla_days": 7}
    )
    data["signoff_sla_days"] = 3
    response = client.post(f"/policies/{policy.pk}/edit/", data)
    assert response.status_code == 409
    assert "not</strong> saved" in response.content.decode()
    policy.refresh_from_db()
    assert policy.signoff_sla_days == 7


def test_invalid_policy_edit_is_400(compliance_officer):
    policy = Policy.objects.get(risk_tier=RiskTier.HIGH)
    client = client_for(compliance_officer)
    before = AuditEvent.objects.count()
    response = _policy_post(client, policy, escalate_lead_hours=48, escalate_exec_hours=24)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert _policy_post(client, policy, signoff_sla_days=0).status_code == 400
    assert AuditEvent.objects.count() == before


def test_executives_may_not_edit_policies(executive):
    policy = Policy.objects.get(risk_tier=RiskTier.HIGH)
    assert client_for(executive).get(f"/policies/{policy.pk}/edit/").status_code == 403


def test_unknown_policy_is_404(compliance_officer):
    assert client_for(compliance_officer).get("/policies/9999/edit/").status_code == 404


# --- Error pages ------------------------------------------------------------------------------


def test_api_paths_keep_json_errors(rf):
    from django.core.exceptions import PermissionDenied

    from registry.api.errors import permission_denied

    response = permission_denied(rf.get("/api/v1/x/"), PermissionDenied("No."))
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    page = permission_denied(rf.get("/policies/"), PermissionDenied("No."))
    assert page.status_code == 403 and b"No." in page.content


def test_superuser_sees_every_nav_entry(admin_user):
    labels = _nav(client_for(admin_user))
    assert {"Policies", "Audit log", "My queue"} <= set(labels)


def test_demo_like_reviewer_with_two_roles_gets_both_navs(db):
    user = make_user("multi", Role.ENGINEER, Role.AUDITOR)
    labels = _nav(client_for(user))
    assert {"My queue", "Audit log"} <= set(labels)
