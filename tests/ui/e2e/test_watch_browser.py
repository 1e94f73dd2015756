"""In Debian's Chromium: "what's wrong" answers from a finding the checks recorded, and the
Findings panel shows it with its severity, summary and repair; so does the dashboard.

Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from agent.runtime import build_runtime
from memory.findings import Observation, Remedy, end_repair, sync_check
from tests.testbed.jarvis_server import REPO, JarvisServer
from tests.ui.e2e.pages import say, signed_in_page
from tests.ui.e2e.test_browser import shot

SHOTS = REPO / "test-artifacts" / "e2e"
RESOURCE = "container:web-e2e"


@pytest.fixture
def server(tmp_path: Path, docker_host: str) -> JarvisServer:
    return JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)


async def seed(server: JarvisServer) -> None:
    """One open finding, as a background pass records it, with a repair waiting on approval."""
    runtime = build_runtime(server.settings())
    try:
        found = Observation(
            check="containers.exited",
            resource=RESOURCE,
            severity="critical",
            summary="exited (code 3)",
            remedy=Remedy(tool="docker.start_container", args={"name": "web-e2e"}, why="exited"),
        )
        synced = await sync_check(runtime.db, "containers.exited", [found], run_id=None)
        await end_repair(runtime.db, synced.opened[0].id, status="approval_required")
    finally:
        await runtime.close()


async def test_whats_wrong_shows_the_findings_panel(browser: Browser, server: JarvisServer) -> None:
    server.start()  # the first start migrates the database and creates the admin
    try:
        await seed(server)
        page = await signed_in_page(browser, server)

        await say(page, "what's wrong?")
        panel = page.get_by_test_id("findings-panel").last
        await expect(panel).to_be_visible(timeout=30_000)
        row = panel.get_by_test_id(f"finding-row-{RESOURCE}")
        await expect(row).to_be_visible()
        await expect(row.get_by_test_id(f"finding-severity-{RESOURCE}")).to_have_text("critical")
        await expect(row.get_by_test_id(f"finding-summary-{RESOURCE}")).to_have_text(
            "exited (code 3)"
        )
        await expect(row.get_by_test_id(f"finding-repair-{RESOURCE}")).to_contain_text(
            "approve a start"
        )
        await expect(page.get_by_text("1 problem (1 critical").last).to_be_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        await shot(page, "20-whats-wrong-findings")

        await say(page, "what did you do today")
        await expect(page.get_by_test_id("runs-panel").last).to_be_visible(timeout=30_000)
        await shot(page, "21-runs-panel")

        # The dashboard lists the open finding too, under its panels.
        await page.get_by_role("button", name="dashboard").click()
        await say(page, "dashboard")
        await expect(page.get_by_text("Open problems: 1 (1 critical").last).to_be_visible(
            timeout=30_000
        )
        await expect(page.get_by_test_id(f"finding-row-{RESOURCE}").last).to_be_visible()
        await shot(page, "22-dashboard-findings")
    finally:
        server.stop()
