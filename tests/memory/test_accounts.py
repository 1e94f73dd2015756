"""The accounts repository on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from memory import accounts, audit
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.models import utcnow


def created(name: str) -> AuditNote:
    return AuditNote(actor="system", event="account_created", data={"username": name})


async def test_create_find_and_count(database: Database, db_url: str) -> None:
    assert await accounts.count_accounts(database) == 0
    assert await accounts.find_account(database, "admin") is None
    assert await accounts.create_account(
        database, username="admin", password_hash="h1", is_admin=True, note=created("admin")
    )
    assert not await accounts.create_account(
        database, username="admin", password_hash="h2", is_admin=False, note=created("admin")
    )
    assert await accounts.count_accounts(database) == 1
    found = await accounts.find_account(database, "admin")
    assert found is not None
    assert (found.username, found.password_hash, found.is_admin) == ("admin", "h1", True)
    assert found.created_at.tzinfo is not None and found.last_login_at is None
    # The refused duplicate left no audit entry behind.
    assert [e.event for e in audit.latest_entries(db_url, 5)] == ["account_created"]


async def test_racing_creates_make_one_account(database: Database) -> None:
    made = await asyncio.gather(
        *(
            accounts.create_account(
                database, username="admin", password_hash=f"h{i}", is_admin=True, note=created("a")
            )
            for i in range(4)
        )
    )
    assert sum(made) == 1 and await accounts.count_accounts(database) == 1


async def test_login_time_and_password_hash_updates(database: Database, db_url: str) -> None:
    await accounts.create_account(
        database, username="evin", password_hash="old", is_admin=False, note=created("evin")
    )
    row = await accounts.find_account(database, "evin")
    assert row is not None
    now = utcnow()
    await accounts.record_login(database, row.id, at=now)
    after = await accounts.find_account(database, "evin")
    assert after is not None and after.last_login_at == now and after.password_hash == "old"
    await accounts.record_login(database, row.id, at=now, password_hash="rehashed")
    after = await accounts.find_account(database, "evin")
    assert after is not None and after.password_hash == "rehashed"

    changed = AuditNote(actor="system", event="password_changed", data={"username": "evin"})
    assert await accounts.set_password_hash(database, "evin", "new", changed)
    after = await accounts.find_account(database, "evin")
    assert after is not None and after.password_hash == "new"
    assert not await accounts.set_password_hash(database, "nobody", "x", changed)
    events = [e.event for e in audit.latest_entries(db_url, 5)]
    assert events == ["password_changed", "account_created"]
