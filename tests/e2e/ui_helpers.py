"""Driving the Airflow 3.3 UI (React/Chakra) in a real browser: Debian's chromium through
Playwright, never a downloaded browser. Selectors are roles and visible texts (plus the UI's own
data-testid for a run's state), checked against Airflow 3.3.2.

The screenshots of every step are kept in test-artifacts/ui/ (gitignored)."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import BrowserContext, Page, Playwright, expect
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import ROOT

CHROMIUM = os.environ.get("GROUNDWORK_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags chromium keeps calling home, which floods a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
STEP_TIMEOUT_MS = 60_000  # a slow 2-core machine running a whole Airflow next to the browser
expect.set_options(timeout=STEP_TIMEOUT_MS)


def chromium_missing_reason() -> str | None:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return (f"{CHROMIUM} is missing: the browser test needs Debian's chromium "
            "(scripts/setup.sh installs it when run as root; otherwise: sudo apt-get install chromium)")


def open_browser(playwright: Playwright) -> BrowserContext:
    """A fresh chromium profile (its own user data dir) for one user."""
    context = playwright.chromium.launch_persistent_context(
        tempfile.mkdtemp(prefix="groundwork-ui-"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        viewport={"width": 1400, "height": 1000}, timezone_id="UTC")
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
    return context


class Screens:
    """Numbered screenshots, one per step, in test-artifacts/ui/."""

    def __init__(self, directory: Path = ARTIFACTS):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("*.png"):
            old.unlink()
        self.taken: list[Path] = []

    def shot(self, page: Page, name: str) -> Path:
        path = self.directory / f"{len(self.taken) + 1:02d}_{name}.png"
        page.screenshot(path=str(path))
        self.taken.append(path)
        return path


class AirflowUI:
    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base = base_url.rstrip("/")

    def goto(self, path: str) -> None:
        """Open a page. The UI may redirect while it loads (to the login form, or from the page it
        was still drawing); Playwright calls that an interrupted navigation, which is not a failure:
        wait until whatever it landed on has loaded."""
        try:
            self.page.goto(self.base + path)
        except PlaywrightError as exc:
            if "interrupted by another navigation" not in str(exc):
                raise
            self.page.wait_for_load_state()

    @staticmethod
    def run_path(dag_id: str, run_id: str) -> str:
        return f"/dags/{dag_id}/runs/{quote(run_id, safe='')}"

    def reload_until_visible(self, locator, first_wait_ms: int = STEP_TIMEOUT_MS // 2) -> None:
        """Wait for a part of the page that a query draws; if it has not come, load the page once
        more, as a user would. The DAG page draws its header (the Trigger button) only once its
        DAG-details query has answered; on a busy machine that query has been seen to fail and the
        header never came (CI, 2026-12-05), while the breadcrumb (from the URL) was there."""
        try:
            expect(locator).to_be_visible(timeout=first_wait_ms)
            return
        except AssertionError:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / f"reload_{int(time.time())}.png"))
            print(f"\n{locator} not drawn after {first_wait_ms / 1000:.0f} s on {self.page.url}: reloading")
        self.page.reload()
        expect(locator).to_be_visible()

    # ---------------------------------------------------------------- steps
    def login(self, user: str, password: str) -> None:
        """SimpleAuthManager's login form."""
        page = self.page
        if "/auth/login" not in page.url:
            self.goto("/")
        expect(page.get_by_text("Sign into Airflow")).to_be_visible()
        page.get_by_label("Username").fill(user)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/auth/login" not in url)
        expect(page.get_by_test_id("nav-dags-link")).to_be_visible()

    def open_trigger_form(self, dag_id: str):
        """The DAG page's Trigger button; returns the trigger dialog."""
        page = self.page
        self.goto(f"/dags/{dag_id}")
        expect(page.get_by_text(dag_id, exact=True).first).to_be_visible()
        self.reload_until_visible(page.get_by_role("button", name="Trigger Dag"))
        page.get_by_role("button", name="Trigger Dag").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text(f"Trigger Dag - {dag_id}")).to_be_visible()
        return dialog

    def fill_trigger_form(self, dialog, dag_id: str, run_id: str) -> None:
        """Single run, unpause on trigger (the session keeps the phases paused), our own run id."""
        expect(dialog.get_by_role("radio", name=re.compile("Single Run"))).to_be_checked()
        unpause = dialog.get_by_role("checkbox", name=f"Unpause {dag_id} on trigger")
        if unpause.count():
            unpause.check()
            expect(unpause).to_be_checked()
        dialog.get_by_role("button", name="Advanced Options").click()
        dialog.get_by_label("Run ID").fill(run_id)

    def submit_trigger_form(self, dialog, dag_id: str, run_id: str) -> None:
        dialog.get_by_role("button", name="Trigger", exact=True).click()
        expect(dialog).to_be_hidden()
        self.page.wait_for_url(re.compile(re.escape(self.run_path(dag_id, run_id))))
        expect(self.page.get_by_text(run_id, exact=True).first).to_be_visible()  # the run page rendered

    def open_required_action(self, dag_id: str, run_id: str) -> None:
        """Browse -> Required Actions, then the pending approval of this run."""
        page = self.page
        page.get_by_role("button", name="Browse").click()
        page.get_by_role("menu", name="Browse").get_by_role("menuitem", name="Required Actions").click()
        page.wait_for_url(re.compile(r"/required_actions"))
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=run_id, exact=True))
        expect(row).to_have_count(1)
        expect(row.get_by_text("Approval Required")).to_be_visible()
        row.get_by_role("link", name=re.compile(f"^Approve {dag_id}")).click()
        page.wait_for_url(re.compile(r"/tasks/approve/required_actions"))
        expect(page.get_by_role("button", name="Approve", exact=True)).to_be_enabled()

    def wait_for_run_state(self, dag_id: str, run_id: str, state: str, timeout_s: float = 600) -> None:
        """The run's Details tab shows `state` (reloaded until it does)."""
        page = self.page
        self.goto(self.run_path(dag_id, run_id) + "/details")
        badge = page.get_by_test_id("dag-run-state")
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                expect(badge).to_have_text(state, timeout=10_000)
                return
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
                page.reload()
