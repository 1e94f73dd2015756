"""Repository of other hosts: where each is, the key Jarvis logs in with, its pinned host key."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict, NotFound
from memory.audit_notes import AuditNote, append_note
from memory.db import Database
from memory.estate_models import Host
from memory.models import utcnow


class HostRecord(BaseModel):
    """A registered host as stored (the pinned key included; the login key is a path only)."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    name: str
    username: str
    address: str
    port: int
    key_path: str
    host_key_type: str
    host_key: str
    fingerprint: str
    created_at: datetime
    last_seen_at: datetime | None = None


def _record(row: Host) -> HostRecord:
    return HostRecord.model_validate(row)


async def add_host(db: Database, host: HostRecord, note: AuditNote) -> HostRecord:
    """Store a new host with its audit note; Conflict when the name is taken."""
    row = Host(**host.model_dump())
    try:
        async with db.session() as session:
            session.add(row)
            await session.flush()
            await append_note(session, db.audit_key, note)
    except IntegrityError:
        raise Conflict(f"a host called {host.name!r} exists already") from None
    return host


async def find_host(db: Database, name: str) -> HostRecord | None:
    """One host by name, or None."""
    async with db.session() as session:
        row = await session.get(Host, name)
        return None if row is None else _record(row)


async def get_host(db: Database, name: str) -> HostRecord:
    """One host by name; NotFound naming the command that lists them."""
    found = await find_host(db, name)
    if found is None:
        raise NotFound(f"no host called {name!r} is registered (see `jarvis hosts list`)")
    return found


async def list_hosts(db: Database) -> list[HostRecord]:
    """Every host, by name."""
    async with db.session() as session:
        rows = await session.scalars(select(Host).order_by(Host.name))
        return [_record(r) for r in rows]


async def remove_host(db: Database, name: str, note: AuditNote) -> HostRecord:
    """Forget a host (audited); NotFound when there is none of that name."""
    async with db.session() as session:
        row = await session.get(Host, name)
        if row is None:
            raise NotFound(f"no host called {name!r} is registered (see `jarvis hosts list`)")
        found = _record(row)
        await session.execute(delete(Host).where(Host.name == name))
        await append_note(session, db.audit_key, note)
    return found


async def touch_host(db: Database, name: str, at: datetime | None = None) -> None:
    """Record that the host answered with its pinned key."""
    async with db.session() as session:
        await session.execute(
            update(Host).where(Host.name == name).values(last_seen_at=at or utcnow())
        )
