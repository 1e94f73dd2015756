"""Spoken replies in real Chromium: off by default; with the chat setting on, the browser's own
speech synthesis reads a reply's opening (no audio leaves the browser)."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.testbed.jarvis_server import JarvisServer
from tests.ui.e2e.pages import say, signed_in_page

# Records what the page asks the browser to say instead of playing it.
RECORD = """
window.__spoken = [];
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (u) => { window.__spoken.push(u.text); };
}
"""


async def test_replies_are_read_aloud_only_when_asked(
    browser: Browser, tmp_path: Path, docker_host: str
) -> None:
    server = JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)
    server.start()
    try:
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        await context.add_init_script(RECORD)
        page = await signed_in_page(context, server)

        await say(page, "how much memory is free")
        await expect(page.locator('[data-step-type="assistant_message"]')).to_have_count(
            1, timeout=30_000
        )
        assert await page.evaluate("window.__spoken") == []  # off by default
        await expect(page.get_by_test_id("spoken-reply")).to_have_count(0)

        await page.locator("#chat-settings-open-modal").click()
        await page.get_by_role("switch").first.click()
        await page.get_by_role("button", name="Confirm").click()

        await say(page, "how much memory is free")
        await expect(page.get_by_test_id("spoken-reply")).to_have_count(1, timeout=30_000)
        spoken = await page.evaluate("window.__spoken")
        assert len(spoken) == 1 and "memory" in spoken[0].lower(), spoken
        assert "`" not in spoken[0] and "|" not in spoken[0] and len(spoken[0]) <= 300
    finally:
        server.stop()
