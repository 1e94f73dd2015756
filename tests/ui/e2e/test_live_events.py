"""Live in the chat, in Debian's Chromium: a new approval appears in every open chat while it
is open, and its card follows the answer given elsewhere. Embedded (one process: a second tab
asks) and on Redis (the CLI, another process, asks and answers). Findings and runs that a CLI
run records appear too.

Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.testbed.docker_fixtures import wait_for
from tests.testbed.jarvis_server import ADMIN_PASSWORD, JarvisServer
from tests.ui.e2e.pages import say
from tests.ui.e2e.test_browser import shot

REDIS_URL = "redis://127.0.0.1:6379/8"  # a db number of its own; a unique queue per test
EXECUTED = re.compile("executed", re.I)


@pytest.fixture
def server(tmp_path: Path, docker_host: str) -> JarvisServer:
    return JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)


@pytest.fixture
def redis_server(tmp_path: Path, docker_host: str) -> Iterator[JarvisServer]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    queue = f"jarvis-test-{uuid.uuid4().hex[:10]}"
    env = {"JARVIS_REDIS_URL": REDIS_URL, "JARVIS_BACKGROUND__QUEUE_NAME": queue}
    yield JarvisServer(
        tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host, extra_env=env
    )
    for key in client.scan_iter(f"{queue}*"):
        client.delete(key)
    client.close()


async def signed_in(browser: Browser, server: JarvisServer) -> tuple[BrowserContext, Page]:
    """A browser of its own (cookies too), signed in as the admin, on the welcome screen."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(server.url)
    await page.fill("#email", "admin")
    await page.fill("#password", ADMIN_PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("#chat-input")).to_be_visible(timeout=20_000)
    return context, page


def card_status(page: Page, approval_id: str) -> Any:
    return page.get_by_test_id(f"approval-status-{approval_id}").last


async def test_embedded_an_approval_asked_in_one_chat_shows_in_the_other(
    browser: Browser, server: JarvisServer, make_container: Any
) -> None:
    box = make_container()
    name = str(box.name)
    server.start()
    try:
        _, watcher = await signed_in(browser, server)
        _, asker = await signed_in(browser, server)

        await say(asker, f"restart {name}")
        approve = asker.locator("[data-testid^=approve-]").last
        await expect(approve).to_be_visible(timeout=30_000)
        approval_id = (await approve.get_attribute("data-testid") or "").removeprefix("approve-")

        # The other chat, open on its welcome screen, gets the same card without a reload...
        await expect(watcher.get_by_text("New approval:").last).to_be_visible(timeout=15_000)
        await expect(card_status(watcher, approval_id)).to_have_text("pending")
        # ...and the asking chat draws it once, in its own reply.
        await expect(asker.get_by_test_id(f"approval-card-{approval_id}")).to_have_count(1)
        await expect(asker.get_by_text("New approval:")).to_have_count(0)
        await shot(watcher, "30-live-approval-other-tab")

        # Answered in the asking chat: the watcher's card follows.
        await approve.click()
        await expect(card_status(asker, approval_id)).to_contain_text(EXECUTED, timeout=30_000)
        await expect(card_status(watcher, approval_id)).to_contain_text(EXECUTED, timeout=15_000)
        await expect(watcher.locator(f"[data-testid=approve-{approval_id}]")).to_have_count(0)
        await shot(watcher, "31-live-approval-answered-elsewhere")
    finally:
        server.stop()


async def test_redis_approvals_findings_and_runs_from_the_cli_appear_live(
    browser: Browser, redis_server: JarvisServer, make_container: Any
) -> None:
    server = redis_server
    box = make_container()
    name = str(box.name)
    crashed = make_container(["sh", "-c", "exit 3"])

    def exited() -> bool:
        crashed.reload()
        return bool(crashed.status == "exited")

    assert wait_for(exited)
    server.start()
    try:
        _, page = await signed_in(browser, server)
        # A second browser: every open chat of the owner gets the card, not only one.
        _, other = await signed_in(browser, server)

        # Another process asks: the CLI publishes over Redis, the open chats draw the card.
        args = json.dumps({"name": name})
        called = server.jarvis(
            "tools", "call", "docker.restart_container", "--args", args, "--json"
        )
        assert called.returncode == 0, called.stderr
        approval_id = json.loads(called.stdout)["approval_id"]
        await expect(card_status(page, approval_id)).to_have_text("pending", timeout=15_000)
        await expect(page.get_by_text("New approval:").last).to_contain_text(
            "docker.restart_container"
        )
        await expect(card_status(other, approval_id)).to_have_text("pending", timeout=15_000)
        await shot(page, "32-live-approval-from-cli")

        # Answered from the CLI: both cards show it ran, without a reload.
        answered = server.jarvis("approvals", "approve", approval_id, "--json")
        assert answered.returncode == 0, answered.stderr
        await expect(card_status(page, approval_id)).to_contain_text(EXECUTED, timeout=15_000)
        await expect(card_status(other, approval_id)).to_contain_text(EXECUTED, timeout=15_000)
        await expect(page.locator(f"[data-testid=approve-{approval_id}]")).to_have_count(0)
        await shot(page, "33-live-approval-approved-from-cli")

        # A diagnose run in the CLI: its new finding and the finished run appear.
        resource = f"container:{crashed.name}"
        ran = server.jarvis("diagnose", "--json", timeout=180)
        assert ran.returncode in (0, 1), ran.stderr
        row = page.get_by_test_id(f"finding-row-{resource}").last
        await expect(row).to_be_visible(timeout=15_000)
        await expect(page.get_by_text("New problem (critical").last).to_be_visible()
        await expect(page.get_by_text("Background run diagnose finished:").last).to_be_visible(
            timeout=15_000
        )
        await shot(page, "34-live-finding-and-run-from-cli")
    finally:
        server.stop()
