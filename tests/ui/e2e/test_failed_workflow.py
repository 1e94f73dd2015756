"""A failed domain workflow in the chat (real Chromium, the real runner): one sentence, the
full error folded under Details, not repeated on the step."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from core.settings import Settings
from memory.db import Database
from memory.domains import NewDomain, create_domain
from tests.testbed.jarvis_server import JarvisServer, free_port
from tests.ui.e2e.pages import say, signed_in_page
from tests.ui.e2e.test_browser import shot
from tools.workflows.domain_env import DomainEnv
from tools.workflows.maintenance import deprovision

FQDN = "gone.example.test"


async def fail_a_removal(server: JarvisServer) -> str:
    """Run a real removal against a Caddy that is not there; the task's summary."""
    silent = f"http://127.0.0.1:{free_port()}"
    settings = Settings(
        data_dir=server.data_dir, database_url=server.db_url, domains={"caddy_admin_url": silent}
    )
    db = Database(settings.resolved_database_url)
    try:
        new = NewDomain(fqdn=FQDN, zone="example.test", target="app:80", provider="none")
        await create_domain(db, new)
        async with DomainEnv.from_settings(settings, db) as env:
            task = await deprovision(db, env, FQDN)
    finally:
        await db.close()
    assert task.error and task.result
    return str(task.result["summary"])


async def test_a_failure_is_one_sentence_with_details_folded(
    browser: Browser, tmp_path: Path, docker_host: str
) -> None:
    server = JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)
    server.start()
    try:
        summary = await fail_a_removal(server)
        page = await signed_in_page(browser, server)

        await say(page, f"status of {FQDN}")
        panel = page.get_by_test_id("provisioning-progress").last
        await expect(panel).to_be_visible(timeout=30_000)
        await expect(panel.get_by_test_id("provisioning-outcome")).to_have_text(summary)
        details = panel.get_by_test_id("provisioning-details")
        full = details.locator("pre")
        await expect(full).to_be_hidden()  # folded away until asked for
        await details.locator("summary").click()
        await expect(full).to_be_visible()
        await expect(full).to_contain_text("Caddy")
        # The reason is said once in the panel: in the outcome, not again on the step.
        reason = summary.split(": ", 1)[1].rstrip(".")
        steps_text = await panel.get_by_role("list", name="Steps").inner_text()
        assert reason not in steps_text
        # The reply says it once too; the events that reported it are left out of it.
        reply = await page.locator('[data-step-type="assistant_message"]').last.inner_text()
        assert reply.count("is unreachable") == 3, reply  # reply, panel, folded details
        assert "error:" not in reply and "warning:" not in reply
        await shot(page, "12-failed-removal")
    finally:
        server.stop()
