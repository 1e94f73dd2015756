"""The server's log is one format (JSON lines) and stays quiet when a browser goes away."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import Browser

from tests.testbed.jarvis_server import JarvisServer
from tests.ui.e2e.pages import signed_in_page


async def test_closing_browsers_leave_no_tracebacks_and_every_line_is_json(
    browser: Browser, tmp_path: Path, docker_host: str
) -> None:
    server = JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)
    server.start()
    try:
        for _ in range(3):
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await signed_in_page(context, server)
            await page.fill("#chat-input", "show my containers")
            await page.locator("#chat-submit").click()
            # Gone mid-turn, with requests and the socket still open.
            await context.close()
    finally:
        server.stop()
    text = (tmp_path / "serve.log").read_text(errors="replace")
    assert "No response returned" not in text
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    for line in lines:
        record = json.loads(line)  # uvicorn's own lines too
        assert "level" in record and "timestamp" in record, line
