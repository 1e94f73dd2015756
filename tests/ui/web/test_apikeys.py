"""API keys: shown once, stored as a SHA-256, checked in constant time, revocable."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select, text

from core.errors import BadInput, Conflict, NotFound
from memory.db import Database
from memory.models import AuditEntry
from ui.web.apikeys import ApiKeyStore

KEY = re.compile(r"^jv_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$")


async def test_a_key_is_shown_once_and_stored_as_its_hash(database: Database) -> None:
    store = ApiKeyStore(database)
    view, key = await store.create("ci-bot", "user:evin")
    assert KEY.match(key)
    assert view.prefix == key[:11] and view.name == "ci-bot" and view.created_by == "user:evin"
    async with database.session() as session:
        rows = (await session.execute(text("SELECT * FROM api_keys"))).all()
        log = (await session.execute(text("SELECT * FROM audit_log"))).all()
    secret = key.split("_", 2)[2]
    assert secret not in str(rows) and secret not in str(log)
    assert hashlib.sha256(key.encode()).hexdigest() in str(rows)

    checked = await store.verify(key)
    assert checked is not None and checked.id == view.id and checked.last_used_at is not None
    for wrong in (
        key[:-1] + ("A" if key[-1] != "A" else "B"),
        "jv_zzzzzzzz_" + "a" * 43,
        "",
        key + "x",
    ):
        assert await store.verify(wrong) is None


async def test_revoked_keys_stop_working_and_names_stay_taken(database: Database) -> None:
    store = ApiKeyStore(database)
    _, key = await store.create("phone", "user:evin")
    _, other = await store.create("laptop", "user:evin")
    revoked = await store.revoke("phone", by="user:evin")
    assert revoked.revoked_at is not None
    again = await store.revoke("phone")
    assert again.revoked_at == revoked.revoked_at  # revoking twice changes nothing
    assert await store.verify(key) is None
    assert await store.verify(other) is not None
    assert [(k.name, k.revoked_at is not None) for k in await store.list()] == [
        ("laptop", False),
        ("phone", True),
    ]
    with pytest.raises(Conflict):
        await store.create("phone", "user:evin")
    with pytest.raises(NotFound):
        await store.revoke("tablet")
    with pytest.raises(BadInput):
        await store.create("has space", "user:evin")

    async with database.session() as session:
        entries = (await session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars()
        trail = [(e.actor, e.event, e.resource) for e in entries]
    assert trail == [
        ("user:evin", "apikey_created", "apikey:phone"),
        ("user:evin", "apikey_created", "apikey:laptop"),
        ("user:evin", "apikey_revoked", "apikey:phone"),
    ]
