"""Repository of tool executions: one row per idempotency key, claimed before the side effect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from memory.audit_notes import AuditNote, append_note
from memory.db import Database
from memory.models import AuditHead, Execution, utcnow

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Limit:
    """A rate limit to enforce at claim time: at most `max` runs of `tools` since `since`."""

    tools: list[str]
    resource: str | None
    since: datetime
    max: int


class OverLimit(Exception):
    """The rate limit was reached between the decision and the claim."""

    def __init__(self, done: int) -> None:
        super().__init__(done)
        self.done = done


async def _count(session: AsyncSession, limit: Limit) -> int:
    query = select(Execution.tool).where(Execution.started_at >= limit.since)
    if limit.resource is not None:
        query = query.where(Execution.resource == limit.resource)
    names = (await session.execute(query)).scalars().all()
    return sum(1 for name in names if any(fnmatchcase(name, g) for g in limit.tools))


async def count_recent(
    db: Database, tools: list[str], resource: str | None, since: datetime
) -> int:
    """Executions of tools matching the globs (on `resource`, if given) since a time."""
    async with db.session() as session:
        return await _count(session, Limit(tools=tools, resource=resource, since=since, max=0))


async def claim_execution(
    db: Database,
    *,
    key: str,
    tool: str,
    resource: str,
    actor: str,
    approval_id: str | None,
    note: AuditNote,
    limit: Limit | None = None,
    clock: Clock = utcnow,
) -> bool:
    """Record a running execution and its audit note; False when the key was claimed before.

    With a rate limit, the count is taken again under the audit head's lock, in the same
    transaction as the claim, so other processes cannot race past it (OverLimit).
    """
    try:
        async with db.session() as session:
            if limit is not None:
                await session.execute(
                    update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq)
                )
                done = await _count(session, limit)
                if done >= limit.max:
                    raise OverLimit(done)
            session.add(
                Execution(
                    idempotency_key=key,
                    tool=tool,
                    resource=resource,
                    actor=actor,
                    approval_id=approval_id,
                    status="running",
                    started_at=clock(),
                )
            )
            await session.flush()
            await append_note(session, db.audit_key, note)
        return True
    except IntegrityError:
        return False


async def close_stale_execution(
    db: Database,
    key: str,
    *,
    started_before: datetime,
    result: dict[str, Any],
    note: AuditNote,
    clock: Clock = utcnow,
) -> bool:
    """Mark a still-running execution started before a time interrupted; False if none was."""
    async with db.session() as session:
        closed = await session.execute(
            update(Execution)
            .where(
                Execution.idempotency_key == key,
                Execution.status == "running",
                Execution.started_at < started_before,
            )
            .values(status="interrupted", finished_at=clock(), result=result)
        )
        if not closed.rowcount:  # type: ignore[attr-defined]
            return False
        await append_note(session, db.audit_key, note)
    return True


async def finish_execution(
    db: Database,
    key: str,
    *,
    status: str,
    result: dict[str, Any],
    note: AuditNote,
    clock: Clock = utcnow,
) -> None:
    """Record an execution's status and outcome, with its audit note."""
    async with db.session() as session:
        await session.execute(
            update(Execution)
            .where(Execution.idempotency_key == key)
            .values(status=status, finished_at=clock(), result=result)
        )
        await append_note(session, db.audit_key, note)


async def execution_exists(db: Database, key: str) -> bool:
    """Whether an execution with this key was ever claimed."""
    async with db.session() as session:
        query = select(Execution.id).where(Execution.idempotency_key == key)
        return (await session.execute(query)).first() is not None


async def execution_result(db: Database, key: str) -> dict[str, Any] | None:
    """The recorded outcome of the execution with this key, if it finished."""
    async with db.session() as session:
        row = (
            await session.execute(select(Execution.result).where(Execution.idempotency_key == key))
        ).scalar_one_or_none()
    return row
