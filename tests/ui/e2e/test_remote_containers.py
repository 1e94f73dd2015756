"""In Debian's Chromium: "containers on nas" lists the registered host's containers (sshd in a
network namespace reaching the test engine); a row's Restart asks on a card that says "on nas",
approving it restarts the container through the host, and the row's Logs follow that host.

Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import select

from memory.db import make_sync_engine
from memory.models import AuditEntry
from tests.testbed.docker_fixtures import MakeContainer
from tests.testbed.jarvis_server import REPO, JarvisServer
from tests.testbed.ssh_hosts import SshHost
from tests.ui.e2e.pages import say, signed_in_page

SHOTS = REPO / "test-artifacts" / "e2e"
TICKS = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.5; done"


@pytest.fixture
def server(tmp_path: Path, docker_host: str) -> JarvisServer:
    return JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)


def audited(server: JarvisServer, tool: str, event: str) -> list[dict[str, Any]]:
    """The data of the audit entries of `tool` with `event`, oldest first."""
    engine = make_sync_engine(server.db_url)
    try:
        with engine.connect() as conn:
            query = select(AuditEntry.data).where(AuditEntry.tool == tool)
            rows = conn.execute(query.where(AuditEntry.event == event)).scalars().all()
    finally:
        engine.dispose()
    return [json.loads(row) for row in rows]


@pytest.mark.docker
async def test_a_remote_rows_buttons_act_on_its_host(
    browser: Browser, server: JarvisServer, ssh_host: SshHost, make_container: MakeContainer
) -> None:
    box = make_container(["sh", "-c", TICKS])
    name = str(box.name)
    first_start = box.attrs["State"]["StartedAt"]
    key = str(ssh_host.login_key)
    added = server.jarvis("hosts", "add", "nas", "--ssh", ssh_host.login, "--key", key)
    assert added.returncode == 0, added.stderr
    server.start()
    try:
        page = await signed_in_page(browser, server)
        await say(page, "containers on nas")
        table = page.get_by_test_id("container-table").last
        await expect(table).to_contain_text("Containers on nas", timeout=30_000)
        row = table.get_by_test_id(f"container-row-{name}")
        await expect(row).to_contain_text("on nas")

        # Restart asks; the card names the host; approving runs it there.
        await row.get_by_role("button", name=f"Restart {name} on nas").click()
        await expect(row.get_by_test_id(f"row-status-{name}")).to_contain_text(
            "needs approval", timeout=30_000
        )
        await expect(page.get_by_text(f"Restart {name} on nas").last).to_be_visible()
        approve = page.locator("[data-testid^=approve-]").last
        await expect(approve).to_be_visible(timeout=30_000)
        box.reload()
        assert box.attrs["State"]["StartedAt"] == first_start
        approval_id = (await approve.get_attribute("data-testid") or "").removeprefix("approve-")
        await approve.click()
        await expect(page.get_by_test_id(f"approval-status-{approval_id}")).to_contain_text(
            re.compile("executed", re.I), timeout=30_000
        )
        box.reload()
        assert box.attrs["State"]["StartedAt"] != first_start
        [asked] = audited(server, "docker.restart_container", "approval_requested")
        assert (asked["args"]["name"], asked["args"]["host"]) == (name, "nas")
        [done] = audited(server, "docker.restart_container", "executed")
        assert (done["result"]["name"], done["result"]["host"]) == (name, "nas")

        # Logs of the remote row, followed: every poll reads from the host.
        await row.get_by_role("button", name=f"Logs {name} on nas").click()
        viewer = page.get_by_test_id(f"log-viewer-{name}").last
        await expect(viewer).to_contain_text(f"Logs: {name} on nas", timeout=30_000)
        count = viewer.get_by_test_id(f"log-count-{name}")
        before = int((await count.inner_text()).split()[0])
        await viewer.get_by_test_id(f"log-follow-{name}").click()
        await expect(viewer).to_contain_text("Following · checked", timeout=15_000)
        await expect(count).not_to_have_text(re.compile(rf"^{before} lines"), timeout=15_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "remote-containers.png"), full_page=True)
        await viewer.get_by_test_id(f"log-follow-{name}").click()
        reads = [e["args"] for e in audited(server, "docker.container_logs", "read")]
        polls = [a for a in reads if a.get("timestamps")]
        assert polls and all((a["name"], a["host"]) == (name, "nas") for a in polls), reads
        assert [(a["name"], a.get("host")) for a in reads if not a.get("timestamps")] == [
            (name, "nas")
        ]
    finally:
        server.stop()
