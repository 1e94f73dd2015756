"""Approvals as durable rows: the table is the source of truth for what waits on a person."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.errors import BadInput, NotFound
from memory import audit
from memory.db import Database
from memory.models import Approval

if TYPE_CHECKING:
    from policies.engine import Decision
    from tools.registry import ToolSpec

from policies.outcome import ApprovalView

STATUSES = ("pending", "approved", "rejected", "expired", "executed", "failed")


class ApprovalStore:
    """Creates, lists and moves approvals through pending → approved|rejected|expired → done."""

    def __init__(self, db: Database, ttl: timedelta, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.ttl = ttl
        self.clock = clock

    @staticmethod
    def view(row: Approval, message: str | None = None) -> ApprovalView:
        """The public shape of an approval row."""
        data = {c: getattr(row, c) for c in ApprovalView.model_fields if hasattr(row, c)}
        view = ApprovalView.model_validate({**data, "message": message})
        if message is None and row.status == "expired":
            view.message = "this approval expired before it was answered; nothing was run"
        return view

    async def create(
        self,
        *,
        actor: str,
        thread_id: str | None,
        run_id: str | None,
        spec: ToolSpec,
        args: dict[str, Any],
        resource: str,
        decision: Decision,
        diff: str | None,
        idempotency_key: str | None = None,
    ) -> Approval:
        """Record a pending approval and its audit entry in one transaction."""
        now = self.clock()
        row = Approval(
            id=str(uuid.uuid4()),
            created_at=now,
            expires_at=now + self.ttl,
            tool=spec.name,
            args=args,
            risk=spec.risk,
            resource=resource,
            actor=actor,
            rule=decision.rule,
            reason=decision.reason,
            diff=diff,
            thread_id=thread_id,
            run_id=run_id,
            status="pending",
            idempotency_key=idempotency_key,
        )
        try:
            async with self.db.session() as session:
                session.add(row)
                await audit.append(
                    session,
                    key=self.db.audit_key,
                    actor=actor,
                    event="approval_requested",
                    tool=spec.name,
                    resource=resource,
                    data={
                        "approval_id": row.id,
                        "args": args,
                        "rule": decision.rule,
                        "reason": decision.reason,
                    },
                )
        except IntegrityError:
            # The same idempotency key asked concurrently: the first approval stands.
            existing = await self.by_idempotency_key(idempotency_key or "")
            if existing is None:
                raise
            return existing
        return row

    async def by_idempotency_key(self, key: str) -> Approval | None:
        """The approval an earlier call with this idempotency key created, if any."""
        await self.expire_due()
        async with self.db.session() as session:
            query = select(Approval).where(Approval.idempotency_key == key)
            return (await session.execute(query)).scalar_one_or_none()

    async def get(self, approval_id: str) -> Approval:
        """One approval by id (expiring it first if its time is up)."""
        await self.expire_due()
        async with self.db.session() as session:
            row = await session.get(Approval, approval_id)
        if row is None:
            raise NotFound(f"no approval with id {approval_id!r}")
        return row

    async def list(self, status: str | None = None, limit: int = 200) -> list[Approval]:
        """Approvals, newest first, optionally with one status."""
        await self.expire_due()
        query = select(Approval).order_by(Approval.created_at.desc()).limit(limit)
        if status is not None:
            query = query.where(Approval.status == status)
        async with self.db.session() as session:
            return list((await session.execute(query)).scalars())

    async def for_thread(
        self, thread_id: str, status: str | None = None
    ) -> builtins.list[Approval]:
        """Approvals asked in one conversation, oldest first."""
        query = select(Approval).where(Approval.thread_id == thread_id)
        if status is not None:
            query = query.where(Approval.status == status)
        async with self.db.session() as session:
            rows = await session.scalars(query.order_by(Approval.created_at))
            return list(rows)

    async def expire_due(self) -> int:
        """Mark pending approvals past their expiry as expired; returns how many."""
        now = self.clock()
        async with self.db.session() as session:
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
                    await audit.append(
                        session,
                        key=self.db.audit_key,
                        actor="system",
                        event="approval_expired",
                        tool=tool,
                        resource=resource,
                        data={"approval_id": approval_id, "asked_by": actor},
                    )
        return len(due)

    async def decide(self, approval_id: str, *, approve: bool, by: str) -> Approval:
        """Move a pending approval to approved or rejected; any other state is returned as is."""
        if not by.startswith("user:"):
            raise BadInput(f"approvals are answered by a person (user:NAME), not {by!r}")
        row = await self.get(approval_id)
        if row.status != "pending":
            return row
        now = self.clock()
        target = "approved" if approve else "rejected"
        async with self.db.session() as session:
            changed = await session.execute(
                update(Approval)
                .where(
                    Approval.id == approval_id,
                    Approval.status == "pending",
                    Approval.expires_at > now,
                )
                .values(
                    status=target,
                    decided_by=by,
                    decided_at=now,
                    finished_at=None if approve else now,
                )
            )
            if changed.rowcount:  # type: ignore[attr-defined]
                await audit.append(
                    session,
                    key=self.db.audit_key,
                    actor=by,
                    event=f"approval_{target}",
                    tool=row.tool,
                    resource=row.resource,
                    data={"approval_id": approval_id},
                )
        return await self.get(approval_id)

    async def finish(self, approval_id: str, status: str, result: dict[str, Any]) -> Approval:
        """Record the outcome of an approved call (only once)."""
        async with self.db.session() as session:
            await session.execute(
                update(Approval)
                .where(Approval.id == approval_id, Approval.status == "approved")
                .values(status=status, result=result, finished_at=self.clock())
            )
        return await self.get(approval_id)
