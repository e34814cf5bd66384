"""Browser tests in a real browser: Playwright (Python) driving Debian's Chromium.

Use it from a test module marked ``@pytest.mark.browser`` (the ``browser_page`` fixture is
imported into ``tests/conftest.py``, so every test module has it)::

    from tests.browser_support import screenshot, sign_in

    pytestmark = [
        pytest.mark.browser,
        pytest.mark.django_db(transaction=True),
    ]

    def test_something(live_server, browser_page, compliance_officer):
        sign_in(browser_page, live_server, "cora")
        ...
        screenshot(browser_page, "queue")

* ``browser_page`` — a fresh page (1366 by 900, a laptop) in a headless Chromium started from
  ``/usr/bin/chromium`` — never a downloaded browser (``playwright install`` is not used). When
  Chromium or Playwright is missing the test skips with the reason, except under
  ``STEWARD_REQUIRE_SERVICES=1`` (CI), where it fails (see ``tests/conftest.py``).
* ``sign_in(page, live_server, username)`` — through the real sign-in form; test users'
  passwords are ``pw-<username>`` (``tests.conftest.make_user``).
* ``migration_data`` (``tests/conftest.py``) — what the data migrations create (role groups, the
  audit chain's head, the default policies), which a transactional test's flush removes.
* ``screenshot(page, name)`` — saves ``var/screenshots/<name>.png`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

CHROMIUM = os.environ.get("STEWARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
VIEWPORT = {"width": 1366, "height": 900}


def browser_missing() -> str | None:
    """Why a browser test cannot run here, or None when it can."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"needs Chromium at {CHROMIUM}: apt-get install chromium (.ci/browser.sh does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs Playwright for Python: pip install -r requirements-dev.txt"
    return None


@pytest.fixture
def browser_page(monkeypatch) -> Iterator[Any]:
    """A page in a fresh headless Chromium, closed after the test."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so tell Django they are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(15_000)
            yield page
        finally:
            browser.close()
            # What the test read from the database while Playwright's loop ran went through a
            # connection of that context; close it here, or it outlives the run and PostgreSQL
            # refuses to drop the test database.
            connections.close_all()


def sign_in(page: Any, live_server: Any, username: str, password: str | None = None) -> None:
    """Sign in through the form, as a person would, and wait for the dashboard."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or f"pw-{username}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot to ``var/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
