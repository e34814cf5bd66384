"""The sign-off journey in a real browser (Chromium via Playwright): a compliance reviewer signs
a pending approval from the queue and sees the status change; an engineer opening the same
approval sees why they may not sign. Each test saves screenshots under var/screenshots/."""

from __future__ import annotations

import pytest

from governance.approvals.choices import ApprovalStatus
from governance.approvals.models import ApprovalRequest
from governance.policies.models import Policy
from registry.inventory.choices import RiskTier
from tests.browser_support import screenshot, sign_in
from tests.ui_support import pending_approval

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def approval(migration_data, engineer, version):
    return pending_approval(engineer, version)


def test_compliance_signs_from_the_queue_and_sees_the_status_change(
    live_server, browser_page, compliance_officer, approval
):
    # Compliance is the last function still to sign, so their approval decides the request.
    Policy.objects.filter(risk_tier=RiskTier.HIGH).update(required_functions=["compliance"])
    ApprovalRequest.objects.filter(pk=approval.pk).update(required_functions=["compliance"])
    page = browser_page
    sign_in(page, live_server, "cora")
    screenshot(page, "dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My queue").click()
    page.wait_for_url(f"{live_server.url}/queue/")
    assert page.get_by_role("heading", name="My queue").is_visible()
    screenshot(page, "queue")

    page.get_by_role("link", name="Sign compliance for Fraud scoring").click()
    page.wait_for_url(f"{live_server.url}/approvals/{approval.pk}/")
    assert page.locator("#approval-status").inner_text() == "Pending"
    page.get_by_label("Approve").check()
    page.get_by_label("Comment").fill("Model card and evaluation reviewed.")
    screenshot(page, "approval")
    page.get_by_role("button", name="Record my decision").click()

    # htmx swaps the panel in place: the status and the functions table change.
    notice = page.locator("#signoff-panel .msg-success")
    notice.wait_for()
    assert "now approved" in notice.inner_text()
    assert page.locator("#approval-status").inner_text() == "Approved"
    assert "Approve" in page.locator("#functions-table").inner_text()
    screenshot(page, "approval-signed")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED

    # The queue no longer lists it.
    page.goto(f"{live_server.url}/queue/")
    assert "Nothing is waiting for you." in page.content()


def test_a_rejection_without_a_reason_shows_the_error_in_place(
    live_server, browser_page, compliance_officer, approval
):
    # The server answers the htmx post with 400 and the panel; htmx must swap it in (its
    # default drops 4xx answers, and the reviewer would see nothing happen).
    page = browser_page
    sign_in(page, live_server, "cora")
    page.goto(f"{live_server.url}/approvals/{approval.pk}/")
    page.get_by_label("Reject").check()
    page.get_by_role("button", name="Record my decision").click()
    page.get_by_text("Say why, so the requester knows what to change.").wait_for()
    assert page.url == f"{live_server.url}/approvals/{approval.pk}/"  # swapped, not navigated
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.PENDING
    assert not approval.signoffs.exists()


def test_engineer_sees_why_they_may_not_sign(live_server, browser_page, engineer, approval):
    page = browser_page
    sign_in(page, live_server, "erin")
    page.goto(f"{live_server.url}/approvals/{approval.pk}/")
    why = page.locator("#why-not")
    assert why.is_visible()
    assert "You requested this approval; someone independent must sign it." in why.inner_text()
    assert page.get_by_role("button", name="Record my decision").count() == 0
    screenshot(page, "approval-refused")


def test_systems_filter_without_reload_and_keyboard_focus(
    live_server, browser_page, engineer, system
):
    page = browser_page
    sign_in(page, live_server, "erin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Systems").click()
    page.get_by_label("Search").fill("no such thing")
    page.get_by_text("No systems match.").wait_for()
    assert "q=no%20such%20thing" in page.url  # htmx pushed the filtered URL
    page.get_by_label("Search").fill("fraud")
    page.get_by_role("link", name="Fraud scoring").wait_for()
    # On a fresh page the skip link is the first thing the keyboard reaches.
    page.goto(page.url)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    screenshot(page, "systems")
