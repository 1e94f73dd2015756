"""In Debian's Chromium: a database backup asked for in the chat shows its steps as it runs
(after the card is approved), against the loopback PostgreSQL."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.testbed.jarvis_server import JarvisServer
from tests.ui.e2e.pages import say, signed_in_page
from tests.ui.e2e.test_db_panels import pg_database, seed, server

__all__ = ["pg_database", "server"]


async def test_a_backup_shows_its_steps_in_the_chat(
    browser: Browser, server: JarvisServer, pg_database: str
) -> None:
    server.start()
    try:
        await seed(server, pg_database)
        page = await signed_in_page(browser, server)

        await say(page, f"back up the {pg_database} database")
        card = page.locator("[data-testid^=approve-]").last
        await expect(card).to_be_visible(timeout=30_000)
        approval_id = (await card.get_attribute("data-testid") or "").removeprefix("approve-")
        await page.get_by_test_id(f"approve-{approval_id}").click()

        await expect(
            page.get_by_text(f"backing up main/{pg_database} (manual)").last
        ).to_be_visible(timeout=60_000)
        await expect(
            page.get_by_text(re.compile(r"backup \w{8} written: .*, 1 rows")).last
        ).to_be_visible(timeout=60_000)
        await expect(page.get_by_test_id(f"approval-status-{approval_id}").last).to_contain_text(
            re.compile("executed", re.I), timeout=30_000
        )
    finally:
        server.stop()
