"""The whole product in Debian's Chromium: log in, see a real container, restart it through an
approval card, reload, reopen the thread and answer an approval redrawn after a server restart.

Screenshots of every step land in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import func, select

from agent.runtime import build_runtime
from memory.models import Execution
from tests.testbed.jarvis_server import ADMIN_PASSWORD, REPO, JarvisServer
from tests.ui.e2e.pages import say

SHOTS = REPO / "test-artifacts" / "e2e"


@pytest.fixture
def server(tmp_path: Path, docker_host: str) -> JarvisServer:
    return JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def restarts(server: JarvisServer) -> int:
    runtime = build_runtime(server.settings())
    try:
        async with runtime.db.session() as s:
            query = select(func.count()).select_from(Execution)
            query = query.where(Execution.tool == "docker.restart_container")
            return int(await s.scalar(query) or 0)
    finally:
        await runtime.close()


async def test_chat_restart_approve_reload_and_resume(
    browser: Browser, server: JarvisServer, make_container
) -> None:
    shutil.rmtree(SHOTS, ignore_errors=True)
    box = make_container()
    name = str(box.name)
    first_start = box.attrs["State"]["StartedAt"]
    server.start()
    try:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})

        # Log in as the admin the first start created.
        await page.goto(server.url)
        await page.fill("#email", "admin")
        await page.fill("#password", "wrong password")
        await page.click("button[type=submit]")
        await expect(page.locator("#chat-input")).to_have_count(0)
        await page.fill("#password", ADMIN_PASSWORD)
        await shot(page, "01-login")
        await page.click("button[type=submit]")
        await expect(page.locator("#chat-input")).to_be_visible(timeout=20_000)
        await shot(page, "02-welcome")
        # The helpers the widgets share (custom_js, public/jarvis-widgets.js) are on the page.
        assert await page.evaluate("typeof window.JarvisWidgets?.bind") == "function"

        # The container table answers, with the real container in it.
        await say(page, "show my containers")
        row = page.get_by_test_id(f"container-row-{name}")
        await expect(row).to_be_visible(timeout=30_000)
        await shot(page, "03-container-table")
        thread_url = page.url
        assert re.search(r"/thread/[0-9a-f-]{36}$", thread_url), thread_url

        # Its restart button asks; the approval card runs it once.
        await page.get_by_test_id(f"restart-{name}").click()
        approve = page.locator("[data-testid^=approve-]").last
        await expect(approve).to_be_visible(timeout=30_000)
        box.reload()
        assert box.attrs["State"]["StartedAt"] == first_start
        await shot(page, "04-approval-card")
        approval_id = (await approve.get_attribute("data-testid") or "").removeprefix("approve-")
        await approve.click()
        status = page.get_by_test_id(f"approval-status-{approval_id}")
        await expect(status).to_contain_text(re.compile("executed", re.I), timeout=30_000)
        await shot(page, "05-approved")
        box.reload()
        second_start = box.attrs["State"]["StartedAt"]
        assert second_start != first_start
        assert await restarts(server) == 1

        # The dashboard renders the overview panels at once, also on a phone-sized screen.
        # The dashboard command (a button in the composer) renders the overview panels.
        await page.get_by_role("button", name="dashboard").click()
        await say(page, "dashboard")
        await expect(page.get_by_test_id("system-overview").last).to_be_visible(timeout=30_000)
        await expect(page.get_by_test_id("overview-memory").last).to_be_visible()
        await page.set_viewport_size({"width": 375, "height": 800})
        await page.get_by_test_id("system-overview").last.scroll_into_view_if_needed()
        await shot(page, "05b-dashboard-phone")
        await page.set_viewport_size({"width": 1280, "height": 900})

        # Asked in words, the restart waits for an answer...
        await say(page, f"restart {name}")
        await expect(page.get_by_text("needs your approval").last).to_be_visible(timeout=30_000)
        await shot(page, "06-asked-in-chat")

        # ...across a server restart and a reload of the page.
        # (The tab leaves first: the old page's socket, reconnecting to the new server, would
        # race the reload with a trip to the login page.)
        await page.goto("about:blank")
        server.stop()
        server.start()
        await page.goto(thread_url)
        await expect(page.get_by_text("show my containers").first).to_be_visible(timeout=30_000)
        redrawn = page.locator("[data-testid^=approve-]").last
        await expect(redrawn).to_be_visible(timeout=30_000)
        await shot(page, "07-reopened-thread")
        pending_id = (await redrawn.get_attribute("data-testid") or "").removeprefix("approve-")
        assert pending_id != approval_id
        await redrawn.click()
        await expect(page.get_by_test_id(f"approval-status-{pending_id}").last).to_contain_text(
            re.compile("executed", re.I), timeout=30_000
        )
        await expect(page.get_by_text(f"Restarted {name}").last).to_be_visible(timeout=30_000)
        await shot(page, "08-resumed-after-restart")
        box.reload()
        assert box.attrs["State"]["StartedAt"] != second_start
        assert await restarts(server) == 2
    finally:
        server.stop()
