"""The router's inventory: registered hosts, database servers and known databases, read from
Jarvis's own database (SQLite and PostgreSQL), and the requests they let the router settle."""

from __future__ import annotations

from pathlib import Path

from agent.inventory import load_inventory, read_inventory
from agent.router import Calls, Inventory, route
from agent.runtime import build_runtime
from core.settings import Settings
from memory import databases
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.hosts import HostRecord, add_host
from memory.models import utcnow
from memory.vault import Vault, load_key

SALT = b"inventory-test"
NOWHERE = "unix:///nonexistent/docker.sock"  # no Docker Engine: containers are unknown


async def test_hosts_servers_and_backups_reach_the_router(tmp_path: Path, db_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, docker_host=NOWHERE)
    settings.data_dir.mkdir(exist_ok=True)
    # The inventory as the chat's router reads it, through the composition root.
    runtime = build_runtime(settings)
    try:
        await _seed(runtime.db, settings)
        await _check(await load_inventory(runtime.deps))
    finally:
        await runtime.close()
    # A plan from the terminal reads them only for a request that may be about them.
    await _check(await read_inventory(settings, "the bot data is gone, restore the bot database"))
    planned = await read_inventory(settings, "disk space on the nas")
    assert planned.hosts == ["nas"]
    assert (await read_inventory(settings, "show my containers")).hosts == []
    assert (await read_inventory(settings)).db_servers == []


async def _seed(database: Database, settings: Settings) -> None:
    vault = Vault(load_key(settings))
    await databases.add_server(
        database, vault, SALT, name="main", engine="postgresql", address="127.0.0.1",
        port=5432, username="postgres", password="pw", options={"users": {"wiki": {}}},
    )  # fmt: skip
    await databases.add_server(
        database, vault, SALT, name="cache", engine="redis", address="127.0.0.1", port=6379,
        username=None, password=None,
    )  # fmt: skip
    made = await databases.create_backup(
        database, server="main", database="stream_bot", engine="postgresql", kind="scheduled"
    )
    await databases.finish_backup(
        database, made.id, path="/x.dump", size_bytes=10, sha256="ab", tables={"t": 5000}
    )
    await databases.create_backup(
        database, server="main", database="stream_bot", engine="postgresql", kind="safety"
    )
    now = utcnow()
    await add_host(
        database,
        HostRecord(
            name="nas", username="evin", address="127.0.0.2", port=22, key_path="/k",
            host_key_type="ssh-ed25519", host_key="AAAA", fingerprint="SHA256:x",
            created_at=now,
        ),
        AuditNote(actor="user:test", event="host.added", resource="host:nas"),
    )  # fmt: skip


async def _check(inv: Inventory) -> None:
    assert inv.complete is False
    assert inv.hosts == ["nas"]
    assert [(s.name, s.engine) for s in inv.db_servers] == [
        ("cache", "redis"),
        ("main", "postgresql"),
    ]
    known = {d.name: d for d in inv.databases}
    assert set(known) == {"stream_bot", "wiki"}
    # The safety backup a restore takes is never offered as one to restore from.
    (only,) = known["stream_bot"].backups
    assert (only.status, only.kind) == ("done", "scheduled")
    assert known["wiki"].backups == []

    restore = route("restore the bot database", inv)
    assert isinstance(restore, Calls)
    assert restore.calls[0].args == {"backup": only.id, "database": "stream_bot"}
    disks = route("disk space on the nas", inv)
    assert isinstance(disks, Calls) and disks.calls[0].args == {"host": "nas"}
    create = route("create a database for nextcloud", inv)
    assert isinstance(create, Calls)
    assert create.calls[0].args == {"server": "main", "name": "nextcloud"}
