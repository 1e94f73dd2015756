"""Repository of approvals: pending rows, their answers and outcomes, each change audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from memory.audit_notes import AuditNote, append_note
from memory.db import Database
from memory.models import Approval


@dataclass(frozen=True)
class DueApproval:
    """A pending approval whose time is up, as its expiry note needs it."""

    id: str
    actor: str
    tool: str
    resource: str


async def _key_taken(db: Database, key: str) -> bool:
    async with db.session() as session:
        query = select(Approval.id).where(Approval.idempotency_key == key)
        return (await session.execute(query)).first() is not None


async def add_approval(db: Database, row: Approval, note: AuditNote) -> bool:
    """Store a new approval with its audit note; False when its idempotency key is taken.

    Any other conflict raises the IntegrityError.
    """
    try:
        async with db.session() as session:
            session.add(row)
            await append_note(session, db.audit_key, note)
    except IntegrityError:
        if row.idempotency_key is None or not await _key_taken(db, row.idempotency_key):
            raise
        return False
    return True


async def approval_by_idempotency_key(db: Database, key: str) -> Approval | None:
    """The approval created with this idempotency key, if any."""
    async with db.session() as session:
        query = select(Approval).where(Approval.idempotency_key == key)
        return (await session.execute(query)).scalar_one_or_none()


async def get_approval(db: Database, approval_id: str) -> Approval | None:
    """One approval by id, or None."""
    async with db.session() as session:
        return await session.get(Approval, approval_id)


async def list_approvals(
    db: Database, status: str | None = None, limit: int = 200
) -> list[Approval]:
    """Approvals, newest first, optionally only those with one status."""
    query = select(Approval).order_by(Approval.created_at.desc()).limit(limit)
    if status is not None:
        query = query.where(Approval.status == status)
    async with db.session() as session:
        return list((await session.execute(query)).scalars())


async def thread_approvals(
    db: Database, thread_id: str, status: str | None = None
) -> list[Approval]:
    """Approvals asked in one conversation, oldest first, optionally with one status."""
    query = select(Approval).where(Approval.thread_id == thread_id)
    if status is not None:
        query = query.where(Approval.status == status)
    async with db.session() as session:
        rows = await session.scalars(query.order_by(Approval.created_at))
        return list(rows)


async def expire_due_approvals(
    db: Database, now: datetime, note: Callable[[DueApproval], AuditNote]
) -> int:
    """Mark pending approvals expiring by `now` expired, each audited with `note(due)`.

    Returns how many were due; one another process expired first gets no note here.
    """
    async with db.session() as session:
        due = (
            await session.execute(
                select(Approval.id, Approval.actor, Approval.tool, Approval.resource).where(
                    Approval.status == "pending", Approval.expires_at <= now
                )
            )
        ).all()
        for approval_id, actor, tool, resource in due:
            changed = await session.execute(
                update(Approval)
                .where(Approval.id == approval_id, Approval.status == "pending")
                .values(status="expired", finished_at=now)
            )
            if changed.rowcount:  # type: ignore[attr-defined]
                found = DueApproval(id=approval_id, actor=actor, tool=tool, resource=resource)
                await append_note(session, db.audit_key, note(found))
    return len(due)


async def decide_approval(
    db: Database,
    approval_id: str,
    *,
    status: str,
    by: str,
    at: datetime,
    finished_at: datetime | None,
    note: AuditNote,
) -> bool:
    """Answer a pending, unexpired approval, with its audit note; False if it was not one."""
    async with db.session() as session:
        changed = await session.execute(
            update(Approval)
            .where(
                Approval.id == approval_id,
                Approval.status == "pending",
                Approval.expires_at > at,
            )
            .values(status=status, decided_by=by, decided_at=at, finished_at=finished_at)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            return False
        await append_note(session, db.audit_key, note)
    return True


async def finish_approval(
    db: Database, approval_id: str, *, status: str, result: dict[str, Any], at: datetime
) -> bool:
    """Record the outcome of an approved approval (only once); False if it was not approved."""
    async with db.session() as session:
        changed = await session.execute(
            update(Approval)
            .where(Approval.id == approval_id, Approval.status == "approved")
            .values(status=status, result=result, finished_at=at)
        )
    return bool(changed.rowcount)  # type: ignore[attr-defined]
