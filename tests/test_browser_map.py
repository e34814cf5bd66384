"""The accountability map in a real browser (Chromium via Playwright): an executive opens the map,
filters to gaps, downloads the CSV, and opens a system from the graph. Screenshots go to
var/screenshots/ (README's docs/screenshots/map.png is the same page over the demo data)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.browser_support import screenshot, sign_in

# The organisation test_map.py flags gap by gap (its fixtures, imported to be used here).
from tests.test_map import EXPECTED, gaps_fixture, org  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.usefixtures("gaps_fixture")
def test_executive_filters_to_gaps_downloads_csv_and_opens_a_system_from_the_graph(
    live_server, browser_page, executive
):
    page = browser_page
    sign_in(page, live_server, "eve")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Map").click()
    page.wait_for_url(f"{live_server.url}/map/")
    assert page.get_by_role("heading", name="Accountability map").is_visible()
    table = page.locator("table.map")
    assert table.get_by_role("link", name="All good").is_visible()

    # Gaps only: htmx swaps the results in place and keeps the filter in the address.
    page.get_by_label("Gaps only").check()
    page.wait_for_url("**/map/?*gaps=1*")
    table.get_by_role("link", name="All good").wait_for(state="detached")
    with_gaps = sorted(n for n, codes in EXPECTED.items() if codes)
    shown = sorted(page.locator("table.map tbody th[scope=row] a").all_inner_texts())
    assert shown == with_gaps
    flag = table.locator('li.gap[data-gap="no_owner"]')
    assert flag.inner_text() == "⚠ No technical owner"
    screenshot(page, "map")

    # The CSV holds exactly the filtered rows.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("accountability-map-")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert sorted(r["system"] for r in csv.DictReader(io.StringIO(text))) == with_gaps

    # The graph: each system node links to its page.
    page.get_by_role("link", name="Graph").click()
    page.wait_for_url("**view=graph*")
    page.locator("svg a.system-link").first.wait_for()
    screenshot(page, "map-graph")
    page.locator('svg a[href="/systems/overspent/"]').click()
    page.wait_for_url(f"{live_server.url}/systems/overspent/")
    assert page.get_by_role("heading", name="Overspent").first.is_visible()
    screenshot(page, "map-system")
