"""A card left unanswered does not hold the conversation: reads go on, the card still works,
and answering it finishes the change in the same thread (real Chromium, real Docker)."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.testbed.jarvis_server import JarvisServer
from tests.ui.e2e.pages import say, signed_in_page
from tests.ui.e2e.test_browser import server, shot

__all__ = ["server"]


async def test_reads_go_on_while_a_card_waits(
    browser: Browser, server: JarvisServer, make_container
) -> None:
    box = make_container()
    name = str(box.name)
    server.start()
    try:
        page = await signed_in_page(browser, server)

        await say(page, f"stop {name}")
        card = page.locator("[data-testid^=approve-]").last
        await expect(card).to_be_visible(timeout=30_000)
        approval_id = (await card.get_attribute("data-testid") or "").removeprefix("approve-")

        # Another request while the card waits is answered, not refused.
        await say(page, "what is using my cpu")
        await expect(page.get_by_text(re.compile("waiting for an approval", re.I))).to_have_count(0)
        answer = page.locator('[data-step-type="assistant_message"]').last
        await expect(answer).to_contain_text(re.compile("cpu|process", re.I), timeout=30_000)
        box.reload()
        assert box.status == "running"
        await shot(page, "09-read-while-card-waits")

        # The earlier card still answers, and its change finishes in this thread.
        await page.get_by_test_id(f"approve-{approval_id}").click()
        await expect(page.get_by_test_id(f"approval-status-{approval_id}").last).to_contain_text(
            re.compile("executed", re.I), timeout=30_000
        )
        await expect(page.get_by_text(f"Stopped {name}").last).to_be_visible(timeout=30_000)
        await shot(page, "10-card-answered-later")
        box.reload()
        assert box.status == "exited"
    finally:
        server.stop()
