"""The API keys repository on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from memory import apikeys, audit
from memory.apikeys import ApiKeyRecord
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.models import utcnow


def record(key_id: str, name: str, minutes_ago: int = 0) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=key_id,
        name=name,
        prefix=f"jv_{key_id}",
        key_hash="0" * 64,
        created_by="user:evin",
        created_at=utcnow() - timedelta(minutes=minutes_ago),
        last_used_at=None,
        revoked_at=None,
    )


def revoked_note(key: ApiKeyRecord) -> AuditNote:
    return AuditNote(actor="user:evin", event="apikey_revoked", data={"prefix": key.prefix})


async def test_add_get_touch_and_list(database: Database, db_url: str) -> None:
    older, newer = record("aaaa1111", "ci", minutes_ago=5), record("bbbb2222", "backup")
    note = AuditNote(actor="user:evin", event="apikey_created")
    assert await apikeys.add_key(database, older, note)
    assert await apikeys.add_key(database, newer, note)
    assert not await apikeys.add_key(database, record("cccc3333", "ci"), note)  # name taken
    assert await apikeys.get_key(database, "aaaa1111") == older
    assert await apikeys.get_key(database, "cccc3333") is None

    now = utcnow()
    await apikeys.touch_key(database, "aaaa1111", now)
    touched = await apikeys.get_key(database, "aaaa1111")
    assert touched is not None and touched.last_used_at == now
    assert [k.name for k in await apikeys.list_keys(database)] == ["backup", "ci"]
    assert [e.event for e in audit.latest_entries(db_url, 5)] == ["apikey_created"] * 2


async def test_revoke_once_audited_again_harmless(database: Database, db_url: str) -> None:
    await apikeys.add_key(database, record("aaaa1111", "ci"), AuditNote("user:evin", "created"))
    assert await apikeys.revoke_key(database, "nope", utcnow(), revoked_note) is None
    at = utcnow()
    revoked = await apikeys.revoke_key(database, "ci", at, revoked_note)
    assert revoked is not None and revoked.revoked_at == at
    again = await apikeys.revoke_key(database, "ci", at + timedelta(minutes=1), revoked_note)
    assert again is not None and again.revoked_at == at
    entries = audit.latest_entries(db_url, 5)
    assert [e.event for e in entries] == ["apikey_revoked", "created"]
    assert "jv_aaaa1111" in entries[0].data
