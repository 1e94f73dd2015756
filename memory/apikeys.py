"""Repository of REST API keys: stored as a SHA-256 with their id, name and prefix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from memory.audit_notes import AuditNote, append_note
from memory.db import Database
from memory.web_models import ApiKeyRow


@dataclass(frozen=True)
class ApiKeyRecord:
    """An API key as stored (the hash, never the key)."""

    id: str
    name: str
    prefix: str
    key_hash: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _record(row: ApiKeyRow) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        key_hash=row.key_hash,
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


async def add_key(db: Database, key: ApiKeyRecord, note: AuditNote) -> bool:
    """Store a new key with its audit note; False when its name (or id) is taken."""
    row = ApiKeyRow(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        key_hash=key.key_hash,
        created_by=key.created_by,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )
    try:
        async with db.session() as session:
            session.add(row)
            await session.flush()
            await append_note(session, db.audit_key, note)
    except IntegrityError:
        return False
    return True


async def get_key(db: Database, key_id: str) -> ApiKeyRecord | None:
    """One key by id, or None."""
    async with db.session() as session:
        row = await session.get(ApiKeyRow, key_id)
    return None if row is None else _record(row)


async def touch_key(db: Database, key_id: str, at: datetime) -> None:
    """Set the key's last-used time."""
    async with db.session() as session:
        await session.execute(
            update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=at)
        )


async def list_keys(db: Database) -> list[ApiKeyRecord]:
    """Every key, revoked ones included, newest first."""
    async with db.session() as session:
        rows = await session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at.desc()))
        return [_record(r) for r in rows]


async def revoke_key(
    db: Database, name: str, at: datetime, note: Callable[[ApiKeyRecord], AuditNote]
) -> ApiKeyRecord | None:
    """Revoke a key by name (audited with `note(key)` when it was live); None when unknown."""
    async with db.session() as session:
        row = await session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name))
        if row is None:
            return None
        found = _record(row)
        changed = await session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == row.id, ApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            await append_note(session, db.audit_key, note(found))
    fresh = await get_key(db, found.id)
    assert fresh is not None
    return fresh
