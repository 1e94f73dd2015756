"""Audit notes land in the chain inside the caller's transaction."""

from __future__ import annotations

import json

from memory import audit
from memory.audit_notes import AuditNote, append_note
from memory.db import Database


async def test_a_note_is_appended_with_every_field(database: Database, db_url: str) -> None:
    note = AuditNote(
        actor="user:evin", event="allowed", tool="t.x", resource="r:1", data={"password": "p"}
    )
    async with database.session() as session:
        first = await append_note(session, database.audit_key, note)
        second = await append_note(session, database.audit_key, AuditNote("system", "bare"))
    assert second == first + 1
    newest, older = audit.latest_entries(db_url, 2)
    assert (newest.actor, newest.event, newest.tool, newest.resource) == (
        "system",
        "bare",
        None,
        None,
    )
    assert (older.actor, older.event, older.tool, older.resource) == (
        "user:evin",
        "allowed",
        "t.x",
        "r:1",
    )
    assert json.loads(older.data)["password"] != "p"  # redacted like any entry
    assert audit.verify_database(db_url, database.audit_key).ok
