"""The Databases and Hosts panels, from a whole chat turn against the loopback PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import chainlit
import psycopg
import pytest

from agent.models import build_model
from agent.runtime import build_runtime
from agent.service import Agent
from agent.turn import ToolCallRecord
from core.settings import Settings
from memory import databases
from memory.audit_notes import AuditNote
from memory.hosts import HostRecord, add_host
from memory.models import utcnow
from memory.vault import Vault, load_key
from tests.testbed.services import missing_service
from ui.chat import render, widgets

NOWHERE = "unix:///nonexistent/docker.sock"  # no containers are needed here
ELEMENTS = Path(__file__).resolve().parents[3] / "public" / "elements"


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
    """A database on the loopback PostgreSQL with a table of 5000 rows."""
    name = f"jarvis_panel_{uuid.uuid4().hex[:8]}"
    _pg(f'CREATE DATABASE "{name}"')
    _pg(
        "CREATE TABLE items (id integer PRIMARY KEY)",
        "INSERT INTO items SELECT generate_series(1, 5000)",
        dbname=name,
    )
    yield name
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_list_databases_and_show_hosts_draw_their_panels(
    tmp_path: Path, db_url: str, pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chainlit, "CustomElement", SimpleNamespace)
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, docker_host=NOWHERE)
    settings.data_dir.mkdir(exist_ok=True)
    rt = build_runtime(settings)
    try:
        vault, salt = Vault(load_key(settings)), rt.deps.redaction_salt
        await databases.add_server(
            rt.db, vault, salt, name="main", engine="postgresql", address="127.0.0.1",
            port=5432, username="postgres", password=None,
        )  # fmt: skip
        # Nothing listens on port 1: this server is down.
        await databases.add_server(
            rt.db, vault, salt, name="gone", engine="postgresql", address="127.0.0.1", port=1,
            username="postgres", password=None,
        )  # fmt: skip
        made = await databases.create_backup(
            rt.db, server="main", database=pg_database, engine="postgresql", kind="scheduled"
        )
        await databases.finish_backup(
            rt.db, made.id, path="/b.dump", size_bytes=4096, sha256="ab", tables={"items": 5000}
        )
        await databases.mark_verified(rt.db, made.id, passed=True, detail={"rows": 5000})
        await add_host(
            rt.db,
            HostRecord(
                name="nas", username="evin", address="127.0.0.9", port=2222, key_path="/k",
                host_key_type="ssh-ed25519", host_key="AAAA", fingerprint="SHA256:pinned",
                created_at=utcnow(),
            ),
            AuditNote(actor="user:test", event="host.added", resource="host:nas"),
        )  # fmt: skip
        async with Agent.open(rt, build_model(rt)) as agent:
            result = await agent.turn("list databases", actor="user:evin")
            assert [(c.name, c.args.get("server"), c.status) for c in result.tool_calls] == [
                ("db.list_servers", None, "ok"),
                ("db.list_databases", "gone", "error"),
                ("db.list_databases", "main", "ok"),
                ("db.list_backups", "main", "ok"),
            ]
            assert "Database servers: gone (PostgreSQL at 127.0.0.1:1)" in result.reply
            assert "Listing the databases on gone failed" in result.reply
            (panel,) = render.elements_for(result)
            assert panel.name == "DatabasePanel"
            props = panel.props
            by_name = {s["name"]: s for s in props["servers"]}
            assert by_name["gone"]["state"] == "down" and by_name["gone"]["error"]
            main = by_name["main"]
            assert (main["state"], main["engine_label"], main["address"]) == (
                "up",
                "PostgreSQL",
                "127.0.0.1:5432",
            )
            row = next(d for d in main["databases"] if d["name"] == pg_database)
            assert row["size"] and row["size_bytes"] > 0
            last = row["last_backup"]
            assert last["id"] == made.id[:8] and last["rows"] == 5000
            assert (last["verify_text"], last["verify_tone"]) == ("verified", "ok")
            others = [d for d in main["databases"] if d["name"] != pg_database]
            assert all(d["last_backup"] is None for d in others)
            assert props["down"] == 1 and props["total_servers"] == 2

            hosts = await agent.turn("show hosts", actor="user:evin")
            assert [c.name for c in hosts.tool_calls] == ["hosts.list"]
            assert hosts.reply == "Other hosts: nas (evin@127.0.0.9:2222, not seen yet)."
            (element,) = render.elements_for(hosts)
            assert element.name == "HostsPanel"
            (host,) = element.props["hosts"]
            assert host["login"] == "evin@127.0.0.9:2222"
            assert host["fingerprint"] == "SHA256:pinned"
            assert host["last_seen_text"] == "not seen yet"
    finally:
        await rt.close()


def test_backups_of_one_database_make_a_panel_and_rows_from_another_host_name_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chainlit, "CustomElement", SimpleNamespace)
    backups = {
        "server": "main",
        "database": "n8n",
        "backups": [
            {"id": "0f3c2a1b-aaaa", "created_at": "2026-12-06T03:30:00+00:00", "status": "done",
             "size": 2048, "rows": 12, "verified": "failed"},
        ],
    }  # fmt: skip
    record = ToolCallRecord(
        name="db.list_backups",
        args={"server": "main", "database": "n8n"},
        status="ok",
        data=backups,
    )
    element = render.element_for(record)
    assert element is not None and element.name == "DatabasePanel"
    (server,) = element.props["servers"]
    (db,) = server["databases"]
    assert db["last_backup"]["verify_text"] == "verify failed"
    assert db["last_backup"]["verify_tone"] == "bad"
    assert server["state"] == "unknown"

    listing = {
        "host": "nas",
        "containers": [{"name": "plex", "state": "running", "status": "Up", "host": "nas"}],
    }
    remote = widgets.container_table({"status": "ok", "data": listing})
    assert remote["host"] == "nas"
    assert remote["containers"][0]["host"] == "nas"
    # Its buttons act on the host the row names (the payload carries it).
    assert remote["containers"][0]["buttons"] == ["logs", "restart", "stop"]
    local = widgets.container_table(
        {
            "status": "ok",
            "data": {
                "host": "local",
                "containers": [{"name": "plex", "state": "running", "host": "local"}],
            },
        }
    )
    assert local["host"] is None and "host" not in local["containers"][0]
    assert local["containers"][0]["buttons"] == ["logs", "restart", "stop"]


def test_panels_carry_their_test_ids() -> None:
    db = (ELEMENTS / "DatabasePanel.jsx").read_text()
    hosts = (ELEMENTS / "HostsPanel.jsx").read_text()
    for snippet in ("'db-server-state-' + name", "'db-row-' + id", "'db-verify-' + id"):
        assert snippet in db
    for snippet in ("'host-row-' + name", "'host-fingerprint-' + name", "'host-seen-' + name"):
        assert snippet in hosts
    assert "'on ' + row.host" in (ELEMENTS / "ContainerTable.jsx").read_text()
