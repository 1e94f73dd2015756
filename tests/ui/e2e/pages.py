"""What the browser tests do on every page: sign in as the first admin, say something."""

from __future__ import annotations

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.testbed.jarvis_server import ADMIN_PASSWORD, JarvisServer


async def sign_in(page: Page, server: JarvisServer) -> None:
    """Open the app and sign in; returns when the session is ready for messages and files."""
    await page.goto(server.url)
    await page.fill("#email", "admin")
    await page.fill("#password", ADMIN_PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("#chat-input")).to_be_visible(timeout=20_000)
    # The session is set up once its chat settings arrived (the composer redraws then).
    await expect(page.locator("#chat-settings-open-modal")).to_be_visible(timeout=20_000)


async def signed_in_page(
    browser: Browser | BrowserContext, server: JarvisServer, width: int = 1280, height: int = 900
) -> Page:
    """A new page of the app, signed in."""
    if isinstance(browser, Browser):
        page = await browser.new_page(viewport={"width": width, "height": height})
    else:
        page = await browser.new_page()
    await sign_in(page, server)
    return page


async def say(page: Page, text: str) -> None:
    """Type a message and send it; wait until it shows as sent."""
    before = await page.locator('[data-step-type="user_message"]').count()
    await page.fill("#chat-input", text)
    await page.locator("#chat-submit").click()
    await expect(page.locator('[data-step-type="user_message"]')).to_have_count(
        before + 1, timeout=15_000
    )
