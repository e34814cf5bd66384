"""Attaching evidence in a real browser (Chromium via Playwright): the file goes up through the
upload script (progress bar, then back to the page with the message), a file dropped on the
form is taken as if chosen, and a refused file says why. Screenshots under var/screenshots/."""

from __future__ import annotations

import pytest

from registry.evidence.models import EvidenceItem
from tests.browser_support import screenshot, sign_in
from tests.evidence_support import PDF

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_an_engineer_attaches_a_report_on_the_version_page(
    live_server, browser_page, engineer, version, evidence_dir
):
    page = browser_page
    sign_in(page, live_server, "erin")
    page.goto(f"{live_server.url}/versions/{version.pk}/")
    form = page.locator("form.evidence-upload")
    form.get_by_label("File", exact=True).set_input_files(
        {"name": "validation.pdf", "mimeType": "application/pdf", "buffer": PDF * 2000}
    )
    assert "validation.pdf" in form.locator("[data-progress-text]").inner_text()
    form.get_by_label("Title").fill("Validation report")
    form.get_by_label("Kind").select_option("validation_report")
    screenshot(page, "evidence-form")
    form.get_by_role("button", name="Attach").click()
    page.locator(".msg-success").wait_for()
    assert "Attached 'Validation report'" in page.locator(".messages").inner_text()
    item = EvidenceItem.objects.get()
    assert item.size == len(PDF) * 2000 and item.file_name == "validation.pdf"
    assert "validation.pdf" in page.locator("#evidence").inner_text()
    screenshot(page, "evidence-attached")


def test_a_dropped_file_is_taken_and_a_refused_one_says_why(
    live_server, browser_page, engineer, version, evidence_dir
):
    page = browser_page
    sign_in(page, live_server, "erin")
    page.goto(f"{live_server.url}/versions/{version.pk}/")
    # Drop a file on the drop zone, as a person dragging it from their desktop would.
    page.evaluate(
        """() => {
          const data = new DataTransfer();
          const file = new File(["MZ\\u0090 not a pdf"], "report.pdf", {type: "application/pdf"});
          data.items.add(file);
          const zone = document.querySelector("form.evidence-upload [data-drop-zone]");
          zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
        }"""
    )
    form = page.locator("form.evidence-upload")
    assert "report.pdf" in form.locator("[data-progress-text]").inner_text()
    form.get_by_label("Title").fill("Report")
    form.get_by_role("button", name="Attach").click()
    page.locator(".msg-error").wait_for()
    assert "evidence cannot be executable" in page.locator(".messages").inner_text()
    assert not EvidenceItem.objects.exists()
    screenshot(page, "evidence-refused")
