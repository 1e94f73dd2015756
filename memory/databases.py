"""Registry of database servers and the records of their backups (all their SQL lives here)."""

from __future__ import annotations

import difflib
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select

from core.errors import Conflict, NotFound
from core.redaction import placeholder_for
from memory.db import Database
from memory.estate_models import DbBackup, DbServer
from memory.models import utcnow
from memory.vault import Vault

EngineName = Literal["postgresql", "mariadb", "redis"]
BackupKind = Literal["manual", "scheduled", "safety"]


class ServerView(BaseModel):
    """A registered server as callers see it: the password only as a vault placeholder."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    engine: EngineName
    address: str
    port: int
    username: str | None = None
    password_ref: str | None = None
    options: dict[str, Any] = {}
    container: str | None = None
    created_at: datetime


class BackupView(BaseModel):
    """One backup record."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    server: str
    database: str
    engine: str
    kind: str
    status: str
    path: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    tables: dict[str, Any] = {}
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None = None
    verify_status: str | None = None
    verified_at: datetime | None = None
    verify_detail: dict[str, Any] | None = None


def _server(row: DbServer) -> ServerView:
    view = ServerView.model_validate(row)
    view.options = dict(row.options or {})
    return view


def _backup(row: DbBackup) -> BackupView:
    view = BackupView.model_validate(row)
    view.tables = dict(row.tables or {})
    return view


# -- servers ----------------------------------------------------------------------------


async def add_server(
    db: Database,
    vault: Vault,
    salt: bytes,
    *,
    name: str,
    engine: EngineName,
    address: str,
    port: int,
    username: str | None,
    password: str | None,
    options: dict[str, Any] | None = None,
    container: str | None = None,
) -> ServerView:
    """Register a server; its password goes to the vault, the row keeps the placeholder."""
    ref = placeholder_for(password, salt) if password else None
    async with db.session() as session:
        if await session.get(DbServer, name) is not None:
            raise Conflict(f"a database server named {name!r} is already registered")
        if ref is not None and password:
            await vault.remember(session, {ref: password})
        row = DbServer(
            name=name,
            engine=engine,
            address=address,
            port=port,
            username=username,
            password_ref=ref,
            options=dict(options or {}),
            container=container,
            created_at=utcnow(),
        )
        session.add(row)
    return _server(row)


async def get_server(db: Database, name: str) -> ServerView:
    """The server called `name`, or NotFound naming close matches."""
    async with db.session() as session:
        row = await session.get(DbServer, name)
        if row is not None:
            return _server(row)
        names = list((await session.execute(select(DbServer.name))).scalars())
    close = difflib.get_close_matches(name, names, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    known = f"; registered: {', '.join(sorted(names))}" if names and not close else ""
    raise NotFound(f"no database server named {name!r}{hint}{known}")


async def list_servers(db: Database) -> list[ServerView]:
    """Every registered server, by name."""
    async with db.session() as session:
        rows = (await session.execute(select(DbServer).order_by(DbServer.name))).scalars()
        return [_server(r) for r in rows]


async def remove_server(db: Database, name: str) -> ServerView:
    """Forget a server (its databases and backup files stay where they are)."""
    view = await get_server(db, name)
    async with db.session() as session:
        await session.execute(delete(DbServer).where(DbServer.name == name))
    return view


async def update_options(db: Database, name: str, options: dict[str, Any]) -> ServerView:
    """Replace a server's options (e.g. the users Jarvis created on it)."""
    async with db.session() as session:
        row = await session.get(DbServer, name)
        if row is None:
            raise NotFound(f"no database server named {name!r}")
        row.options = dict(options)
    return _server(row)


async def remember_secret(db: Database, vault: Vault, salt: bytes, value: str) -> str:
    """Store a secret in the vault; returns its placeholder."""
    ref = placeholder_for(value, salt)
    async with db.session() as session:
        await vault.remember(session, {ref: value})
    return ref


async def reveal_secret(db: Database, vault: Vault, ref: str) -> str:
    """The secret behind a placeholder (for connecting, or showing it once to a person)."""
    async with db.session() as session:
        return (await vault.resolve(session, {ref}))[ref]


# -- backups ----------------------------------------------------------------------------


async def create_backup(
    db: Database,
    *,
    server: str,
    database: str,
    engine: str,
    kind: BackupKind,
    path: str | None = None,
) -> BackupView:
    """Record a backup that is starting (status running)."""
    row = DbBackup(
        id=str(uuid.uuid4()),
        server=server,
        database=database,
        engine=engine,
        kind=kind,
        status="running",
        path=path,
        tables={},
        created_at=utcnow(),
    )
    async with db.session() as session:
        session.add(row)
    return _backup(row)


async def _update(db: Database, backup_id: str, **values: Any) -> BackupView:
    async with db.session() as session:
        row = await session.get(DbBackup, backup_id)
        if row is None:
            raise NotFound(f"no backup with id {backup_id!r}")
        for key, value in values.items():
            setattr(row, key, value)
    return _backup(row)


async def finish_backup(
    db: Database, backup_id: str, *, path: str, size_bytes: int, sha256: str, tables: dict[str, int]
) -> BackupView:
    """Mark a backup done, with its file, size, checksum and rows per table."""
    return await _update(
        db,
        backup_id,
        status="done",
        path=path,
        size_bytes=size_bytes,
        sha256=sha256,
        tables=dict(tables),
        finished_at=utcnow(),
    )


async def fail_backup(db: Database, backup_id: str, error: str) -> BackupView:
    """Mark a backup failed, saying why (its partial file is gone)."""
    return await _update(
        db, backup_id, status="failed", error=error[:2000], path=None, finished_at=utcnow()
    )


async def mark_verified(
    db: Database, backup_id: str, *, passed: bool, detail: dict[str, Any]
) -> BackupView:
    """Record the outcome of a verification."""
    return await _update(
        db,
        backup_id,
        verify_status="passed" if passed else "failed",
        verified_at=utcnow(),
        verify_detail=detail,
    )


async def get_backup(db: Database, backup_id: str) -> BackupView:
    """A backup by id or by a unique prefix of at least 8 characters."""
    async with db.session() as session:
        row = await session.get(DbBackup, backup_id)
        if row is None and len(backup_id) >= 8:
            found = list(
                (
                    await session.execute(
                        select(DbBackup).where(DbBackup.id.startswith(backup_id)).limit(2)
                    )
                ).scalars()
            )
            if len(found) > 1:
                raise NotFound(f"backup id {backup_id!r} is ambiguous; give more of it")
            row = found[0] if found else None
        if row is None:
            raise NotFound(f"no backup with id {backup_id!r}")
        return _backup(row)


async def list_backups(
    db: Database, server: str, database: str | None = None, *, status: str | None = None
) -> list[BackupView]:
    """Backups of a server (or one of its databases), newest first."""
    query = select(DbBackup).where(DbBackup.server == server)
    if database is not None:
        query = query.where(DbBackup.database == database)
    if status is not None:
        query = query.where(DbBackup.status == status)
    async with db.session() as session:
        rows = (await session.execute(query.order_by(DbBackup.created_at.desc()))).scalars()
        return [_backup(r) for r in rows]


async def delete_backup(db: Database, backup_id: str) -> None:
    """Forget a backup record (its file is removed by the caller)."""
    async with db.session() as session:
        await session.execute(delete(DbBackup).where(DbBackup.id == backup_id))
