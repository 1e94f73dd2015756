"""A page on another origin, opened in the owner's signed-in browser, cannot drive Jarvis.

The attacker's page is served from another port of the same host (same site, so the owner's
`SameSite=lax` cookie would go along): it tries Chainlit's socket, both transports, and the
action route that answers approval cards. Jarvis must refuse all of it and the approval stays
pending; Jarvis's own page keeps working in the same browser.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from agent.runtime import build_runtime
from policies.gate import CallContext
from tests.testbed.jarvis_server import ADMIN_PASSWORD, REPO, JarvisServer, free_port

SHOTS = REPO / "test-artifacts" / "cross-origin"
ATTACK = """<!doctype html><html><body><h1>Totally harmless page</h1><script>
const J = "%(jarvis)s";
window.results = {};
fetch(J + "/ws/socket.io/?EIO=4&transport=polling", {credentials: "include"})
  .then(r => r.text()).then(t => results.poll = "read:" + t.slice(0, 2))
  .catch(() => results.poll = "blocked");
fetch(J + "/project/action", {method: "POST", credentials: "include", mode: "no-cors",
  headers: {"Content-Type": "text/plain"},
  body: JSON.stringify({sessionId: "x", action: {name: "jarvis_decide",
    payload: {approval_id: "%(approval)s", approve: true}}})})
  .then(() => results.action = "sent").catch(() => results.action = "blocked");
const ws = new WebSocket(J.replace("http", "ws") + "/ws/socket.io/?EIO=4&transport=websocket");
ws.onmessage = e => results.ws = "open:" + String(e.data).slice(0, 2);
ws.onerror = () => { if (!results.ws) results.ws = "refused"; };
</script></body></html>"""


@pytest.fixture
def server(tmp_path: Path, docker_host: str) -> Iterator[JarvisServer]:
    srv = JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)
    srv.start()
    yield srv
    srv.stop()


def serve_page(html: str) -> tuple[http.server.HTTPServer, str]:
    """The attacker's page on another loopback port."""
    body = html.encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", free_port()), Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


async def test_another_origin_cannot_open_the_socket_or_answer_an_approval(
    browser: Browser, server: JarvisServer, make_container
) -> None:
    box = make_container()
    runtime = build_runtime(server.settings())
    try:
        asked = await runtime.gate.invoke(
            CallContext(actor="user:admin"), "docker.restart_container", {"name": box.name}
        )
        assert asked.approval_id
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        await page.goto(server.url)
        await page.fill("#email", "admin")
        await page.fill("#password", ADMIN_PASSWORD)
        await page.click("button[type=submit]")
        await expect(page.locator("#chat-input")).to_be_visible(timeout=20_000)

        httpd, attack_url = serve_page(
            ATTACK % {"jarvis": server.url, "approval": asked.approval_id}
        )
        try:
            attacker = await context.new_page()
            await attacker.goto(attack_url)
            await attacker.wait_for_function(
                "results.poll && results.action && results.ws", timeout=20_000
            )
            results = await attacker.evaluate("results")
            SHOTS.mkdir(parents=True, exist_ok=True)
            await attacker.screenshot(path=str(SHOTS / "attacker-page.png"))
        finally:
            httpd.shutdown()
        assert results["poll"] == "blocked", results
        assert results["ws"] == "refused", results
        assert server.log().count("cross_origin_refused") >= 3, server.log()[-3000:]
        assert (await runtime.gate.approvals.get(asked.approval_id)).status == "pending"

        # Jarvis's own page, in the same browser, still talks over its socket.
        await page.fill("#chat-input", "show my containers")
        await page.locator("#chat-submit").click()
        await expect(page.get_by_test_id(f"container-row-{box.name}")).to_be_visible(timeout=30_000)
        await page.screenshot(path=str(SHOTS / "own-page-still-works.png"))
        await context.close()
    finally:
        await runtime.close()
