"""The database-server registry and backup records, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from core.errors import Conflict, NotFound
from core.redaction import placeholder_for
from memory import databases
from memory.db import Database
from memory.vault import Vault

SALT = b"installation-salt"


async def test_servers_keep_their_password_only_in_the_vault(database: Database) -> None:
    vault = Vault(Fernet.generate_key())
    added = await databases.add_server(
        database,
        vault,
        SALT,
        name="main",
        engine="postgresql",
        address="127.0.0.1",
        port=5432,
        username="admin",
        password="hunter2-very-secret",
        options={"maintenance_db": "postgres"},
    )
    assert added.password_ref == placeholder_for("hunter2-very-secret", SALT)
    async with database.session() as session:
        raw = (await session.execute(text("SELECT * FROM db_servers"))).all()
        stored = (await session.execute(text("SELECT ciphertext FROM vault_secrets"))).all()
    assert "hunter2" not in repr(raw) and "hunter2" not in repr(stored)
    assert await databases.reveal_secret(database, vault, added.password_ref) == (
        "hunter2-very-secret"
    )
    with pytest.raises(Conflict):
        await databases.add_server(
            database, vault, SALT, name="main", engine="mariadb", address="h", port=1,
            username=None, password=None,
        )  # fmt: skip
    with pytest.raises(NotFound, match="did you mean main"):
        await databases.get_server(database, "mian")
    updated = await databases.update_options(database, "main", {"users": {"app": {}}})
    assert updated.options == {"users": {"app": {}}}
    assert [s.name for s in await databases.list_servers(database)] == ["main"]
    await databases.remove_server(database, "main")
    assert await databases.list_servers(database) == []
    with pytest.raises(NotFound):
        await databases.remove_server(database, "main")


async def test_backup_records_from_start_to_verification(database: Database) -> None:
    first = await databases.create_backup(
        database, server="main", database="app", engine="postgresql", kind="manual"
    )
    assert first.status == "running"
    done = await databases.finish_backup(
        database, first.id, path="/b/1.dump", size_bytes=10, sha256="ab" * 32, tables={"t": 5}
    )
    assert (done.status, done.tables, done.finished_at is not None) == ("done", {"t": 5}, True)
    second = await databases.create_backup(
        database, server="main", database="app", engine="postgresql", kind="safety"
    )
    failed = await databases.fail_backup(database, second.id, "pg_dump failed")
    assert (failed.status, failed.error, failed.path) == ("failed", "pg_dump failed", None)

    listed = await databases.list_backups(database, "main", "app")
    assert [b.id for b in listed] == [second.id, first.id]  # newest first
    assert [b.id for b in await databases.list_backups(database, "main", status="done")] == [
        first.id
    ]
    assert (await databases.get_backup(database, first.id[:8])).id == first.id
    with pytest.raises(NotFound):
        await databases.get_backup(database, "deadbeef")

    verified = await databases.mark_verified(database, first.id, passed=True, detail={"rows": 5})
    assert (verified.verify_status, verified.verify_detail) == ("passed", {"rows": 5})
    await databases.delete_backup(database, first.id)
    assert [b.id for b in await databases.list_backups(database, "main", "app")] == [second.id]
