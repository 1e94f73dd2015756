"""Files attached in the chat (real Chromium, real Caddy): each is read and answered; a file
type Jarvis cannot use is refused by the picker, and nothing is changed."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.async_api import Browser, expect

from tests.testbed.caddy_pebble import Caddy
from tests.testbed.jarvis_server import JarvisServer
from tests.ui.e2e.pages import signed_in_page
from tests.ui.e2e.test_browser import shot

COMPOSE = """services:
  web:
    image: nginx
    ports: ["8080:80"]
"""
CADDYFILE = "files.example.test {\n    reverse_proxy web:80\n}\n"
LOG = "\n".join(
    [
        "2026-12-07T06:00:00 INFO started",
        "2026-12-07T06:00:01 WARNING slow disk",
        "2026-12-07T06:00:02 ERROR database is locked",
        "2026-12-07T06:00:03 INFO retrying",
    ]
)


async def test_compose_caddyfile_and_log_are_read(
    browser: Browser, tmp_path: Path, docker_host: str, caddy: Caddy
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "compose.yaml").write_text(COMPOSE)
    (files / "site.caddyfile").write_text(CADDYFILE)
    (files / "app.log").write_text(LOG)
    server = JarvisServer(
        tmp_path,
        f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}",
        docker_host,
        extra_env={"JARVIS_DOMAINS__CADDY_ADMIN_URL": caddy.admin},
    )
    before = httpx.get(f"{caddy.admin}/config/", timeout=10).json()
    server.start()
    try:
        page = await signed_in_page(browser, server)

        picker = page.locator("#upload-button-input")
        accept = await picker.get_attribute("accept") or ""
        assert "*/*" not in accept and ".yaml" in accept and ".log" in accept

        await page.fill("#chat-input", "what do you make of these?")
        await picker.set_input_files([str(p) for p in sorted(files.iterdir())])
        try:
            await expect(page.locator("#attachments > *")).to_have_count(3, timeout=15_000)
            await expect(page.locator("#chat-submit")).to_be_enabled(timeout=15_000)
        finally:
            await shot(page, "11a-attached")
        await page.locator("#chat-submit").click()
        answers = page.locator('[data-step-type="assistant_message"]')
        await expect(answers.filter(has_text="is a Compose file with 1 service")).to_have_count(
            1, timeout=30_000
        )
        compose = answers.filter(has_text="is a Compose file")
        await expect(compose).to_contain_text("8080:80 is published on every interface")
        await expect(compose).to_contain_text("Nothing was started")
        caddy_reply = answers.filter(has_text="is a valid Caddyfile")
        await expect(caddy_reply).to_contain_text(
            re.compile(r"files\.example\.test → reverse_proxy web:80")
        )
        log_reply = answers.filter(has_text="is a log of 4 lines")
        await expect(log_reply).to_contain_text("1 error line(s), 1 warning(s)")
        await expect(log_reply).to_contain_text("database is locked")
        await shot(page, "11-attachments")
        await expect(answers).to_have_count(3)  # the files answered, no guess at the words
        assert httpx.get(f"{caddy.admin}/config/", timeout=10).json() == before
    finally:
        server.stop()
