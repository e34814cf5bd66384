"""The risk register in the web UI: a finding's page, its history, and the form that works it to
closure — through ``finding_update``, the service the API calls, with the same rules."""

from __future__ import annotations

import pytest
from django.test import Client

from governance.reviews import findings
from governance.reviews.choices import FindingStatus
from governance.reviews.models import RiskFinding
from registry.audit.choices import AuditSource
from registry.audit.models import AuditEvent
from registry.core.etags import etag_for

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(finding: RiskFinding, **changes) -> dict:
    data = {
        "etag": etag_for(finding),
        "title": finding.title,
        "description": finding.description,
        "category": finding.category,
        "inherent_rating": finding.inherent_rating,
        "residual_rating": finding.residual_rating,
        "mitigation": finding.mitigation,
        "owner": finding.owner_id or "",
        "target_date": finding.target_date.isoformat() if finding.target_date else "",
        "status": finding.status,
    }
    return {**data, **changes}


def test_the_page_shows_the_finding_and_links_from_the_register(
    engineer, compliance_officer, system, finding
):
    page = client_for(compliance_officer).get(f"/findings/{finding.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert finding.title in html
    assert (engineer.get_full_name() or engineer.username) in html  # its owner
    assert [e.action for e in page.context["history"]] == ["governance.finding.created"]
    system_page = client_for(engineer).get(f"/systems/{system.slug}/").content.decode()
    assert f'href="/findings/{finding.pk}/"' in system_page


def test_the_owner_mitigates_from_the_page(engineer, finding):
    client = Client(enforce_csrf_checks=True)
    client.force_login(engineer)
    page = client.get(f"/findings/{finding.pk}/")
    assert page.context["form"] is not None
    # The form shows the current values as the browser sends them back (a date input takes
    # ISO dates only; in any other format it shows empty and saving would clear the date).
    html = page.content.decode()
    assert 'type="date" name="target_date" value="2027-01-31"' in html
    assert f'<option value="{engineer.pk}" selected>' in html
    token = page.cookies["csrftoken"].value
    response = client.post(
        f"/findings/{finding.pk}/",
        form_data(
            finding,
            status=FindingStatus.MITIGATING,
            residual_rating="medium",
            mitigation="mTLS between the gateway and the model endpoint.",
            csrfmiddlewaretoken=token,
        ),
    )
    assert response.status_code == 302 and response["Location"] == f"/findings/{finding.pk}/"
    finding.refresh_from_db()
    assert (finding.status, finding.residual_rating) == ("mitigating", "medium")
    [event] = AuditEvent.objects.filter(action="governance.finding.updated")
    assert (event.source, event.actor_id) == (AuditSource.UI, engineer.pk)
    assert set(event.changes) == {"status", "residual_rating", "mitigation"}
    # Saved again unchanged: nothing to record.
    finding.refresh_from_db()
    again = client.post(f"/findings/{finding.pk}/", form_data(finding, csrfmiddlewaretoken=token))
    assert again.status_code == 302
    assert AuditEvent.objects.filter(action="governance.finding.updated").count() == 1


def test_only_a_reviewer_accepts_the_risk_and_closing_stamps_the_date(
    engineer, security_reviewer, finding
):
    refused = client_for(engineer).post(
        f"/findings/{finding.pk}/", form_data(finding, status=FindingStatus.ACCEPTED)
    )
    assert refused.status_code == 403
    assert "Only a reviewing function may accept a risk." in refused.content.decode()
    assert refused.context["form"].errors["status"]
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN

    reviewer = client_for(security_reviewer)
    assert (
        reviewer.post(
            f"/findings/{finding.pk}/", form_data(finding, status=FindingStatus.CLOSED)
        ).status_code
        == 302
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED and finding.closed_at is not None


def test_bad_input_and_a_stale_form_change_nothing(security_reviewer, finding):
    client = client_for(security_reviewer)
    stale = form_data(finding, title="Renamed")
    before = AuditEvent.objects.count()
    # Residual above inherent: the model's rule, on its field.
    resp = client.post(f"/findings/{finding.pk}/", form_data(finding, residual_rating="critical"))
    assert resp.status_code == 400 and resp.context["form"].errors["residual_rating"]
    # Not a status, no title, not a date, no such owner.
    for bad in ({"status": "forgotten"}, {"title": ""}, {"target_date": "soon"}, {"owner": 999999}):
        resp = client.post(f"/findings/{finding.pk}/", form_data(finding, **bad))
        assert resp.status_code == 400, bad
        assert set(resp.context["form"].errors) == set(bad), bad
    # Someone else saves first; the form opened before is refused and shows the current state.
    findings.finding_update(actor=security_reviewer, finding=finding, data={"mitigation": "WAF"})
    resp = client.post(f"/findings/{finding.pk}/", stale)
    assert resp.status_code == 409 and resp.context["stale"]
    assert resp.context["form"].initial["mitigation"] == "WAF"
    finding.refresh_from_db()
    assert finding.title != "Renamed"
    assert AuditEvent.objects.count() == before + 1  # the other save only


def test_who_sees_and_who_changes(auditor, other_engineer, executive, finding):
    # Readers of every risk record see it, without a form; posting is refused.
    for reader in (auditor, executive):
        page = client_for(reader).get(f"/findings/{finding.pk}/")
        assert page.status_code == 200 and page.context["form"] is None
        assert (
            client_for(reader).post(f"/findings/{finding.pk}/", form_data(finding)).status_code
            == 403
        )
    # An engineer of another team does not see it at all; nor does anyone an unknown finding.
    assert client_for(other_engineer).get(f"/findings/{finding.pk}/").status_code == 404
    assert client_for(auditor).get("/findings/999999/").status_code == 404
    assert Client().get(f"/findings/{finding.pk}/").status_code == 302  # sign in first
    assert not AuditEvent.objects.filter(action="governance.finding.updated").exists()
