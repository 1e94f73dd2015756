"""In Debian's Chromium: "list databases" draws the Databases panel (the loopback PostgreSQL
up with a database, its size, its newest backup verified; a server that does not answer
shown down) and "show hosts" the Hosts panel, both passing axe's WCAG A/AA rules and AA
contrast on their rendered pixels, on a wide screen and on a phone.

Screenshots land in test-artifacts/theme/.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.async_api import Browser, expect

from agent.runtime import build_runtime
from memory import databases
from memory.audit_notes import AuditNote
from memory.hosts import HostRecord, add_host
from memory.models import utcnow
from memory.vault import Vault, load_key
from tests.testbed.jarvis_server import JarvisServer
from tests.testbed.services import missing_service
from tests.ui.e2e.pages import say
from tests.ui.e2e.test_theme import (
    PHONE,
    WIDE,
    assert_aa_contrast,
    assert_wcag_aa,
    open_context,
    shot,
    sign_in,
    themed_login_page,
)


@pytest.fixture
def server(tmp_path: Path, docker_host: str) -> JarvisServer:
    return JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)


def _pg(*statements: str, dbname: str = "postgres") -> None:
    try:
        with psycopg.connect(
            host="127.0.0.1", user="postgres", dbname=dbname, autocommit=True, connect_timeout=5
        ) as conn:
            for statement in statements:
                conn.execute(statement)
    except psycopg.OperationalError as exc:
        missing_service("PostgreSQL on 127.0.0.1:5432", str(exc))


@pytest.fixture
def pg_database() -> Iterator[str]:
    name = f"jarvis_e2e_{uuid.uuid4().hex[:8]}"
    _pg(f'CREATE DATABASE "{name}"')
    _pg("CREATE TABLE items (id integer)", "INSERT INTO items SELECT 1", dbname=name)
    yield name
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def seed(server: JarvisServer, name: str) -> str:
    """Two registered servers (one answering), a verified backup and one other host."""
    settings = server.settings()
    runtime = build_runtime(settings)
    try:
        vault, salt = Vault(load_key(settings)), runtime.deps.redaction_salt
        for server_name, port in (("main", 5432), ("gone", 1)):
            await databases.add_server(
                runtime.db, vault, salt, name=server_name, engine="postgresql",
                address="127.0.0.1", port=port, username="postgres", password=None,
            )  # fmt: skip
        made = await databases.create_backup(
            runtime.db, server="main", database=name, engine="postgresql", kind="scheduled"
        )
        await databases.finish_backup(
            runtime.db, made.id, path="/b.dump", size_bytes=4096, sha256="ab", tables={"items": 1}
        )
        await databases.mark_verified(runtime.db, made.id, passed=True, detail={})
        await add_host(
            runtime.db,
            HostRecord(
                name="nas", username="evin", address="127.0.0.9", port=2222, key_path="/k",
                host_key_type="ssh-ed25519", host_key="AAAA",
                fingerprint="SHA256:Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy", created_at=utcnow(),
            ),
            AuditNote(actor="user:test", event="host.added", resource="host:nas"),
        )  # fmt: skip
        return made.id
    finally:
        await runtime.close()


@pytest.mark.timeout(600)
async def test_database_and_hosts_panels(
    browser: Browser, server: JarvisServer, pg_database: str
) -> None:
    server.start()  # the first start migrates the database and creates the admin
    try:
        backup = await seed(server, pg_database)
        row_id = f"main-{pg_database}"
        for screen in (WIDE, PHONE):
            context = await open_context(browser, screen)
            page = await context.new_page()
            await themed_login_page(page, server)
            await sign_in(page)

            await say(page, "list databases")
            panel = page.get_by_test_id("database-panel").last
            await expect(panel).to_be_visible(timeout=30_000)
            await expect(panel.get_by_test_id("db-server-state-main")).to_have_text("up")
            await expect(panel.get_by_test_id("db-server-state-gone")).to_have_text("down")
            row = panel.get_by_test_id(f"db-row-{row_id}")
            await expect(row).to_be_visible()
            await expect(row.get_by_test_id(f"db-verify-{row_id}")).to_have_text("verified")
            await expect(row.get_by_test_id(f"db-backup-{row_id}")).to_contain_text("1 row")
            await expect(page.get_by_text(f"{backup[:8]} from").last).to_be_visible()
            await row.scroll_into_view_if_needed()
            await assert_aa_contrast(page, f"database panel {screen.name}")
            await assert_wcag_aa(page, ["[data-testid=database-panel]"], screen)
            await shot(page, f"databases-{screen.name}")

            await say(page, "show hosts")
            hosts = page.get_by_test_id("hosts-panel").last
            await expect(hosts).to_be_visible(timeout=30_000)
            await expect(hosts.get_by_test_id("host-login-nas")).to_have_text("evin@127.0.0.9:2222")
            await expect(hosts.get_by_test_id("host-fingerprint-nas")).to_contain_text("SHA256:")
            await expect(hosts.get_by_test_id("host-seen-nas")).to_have_text("not seen yet")
            await hosts.scroll_into_view_if_needed()
            await assert_aa_contrast(page, f"hosts panel {screen.name}")
            await assert_wcag_aa(page, ["[data-testid=hosts-panel]"], screen)
            await shot(page, f"hosts-{screen.name}")
            await context.close()
    finally:
        server.stop()
