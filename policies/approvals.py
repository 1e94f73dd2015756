"""Approvals as durable rows: the table is the source of truth for what waits on a person."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.errors import BadInput, NotFound
from memory import approvals
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.models import Approval

if TYPE_CHECKING:
    from policies.engine import Decision
    from tools.registry import ToolSpec

from policies.outcome import ApprovalView

STATUSES = ("pending", "approved", "rejected", "expired", "executed", "failed")


class ApprovalStore:
    """Creates, lists and moves approvals through pending → approved|rejected|expired → done."""

    def __init__(
        self,
        db: Database,
        ttl: timedelta,
        clock: Callable[[], datetime],
        headline: Callable[[str, dict[str, Any]], str | None] | None = None,
    ) -> None:
        self.db = db
        self.ttl = ttl
        self.clock = clock
        # The tool's declared headline for a call (tool name, args), read when a view is made.
        self.headline = headline

    def view(self, row: Approval, message: str | None = None) -> ApprovalView:
        """The public shape of an approval row."""
        data = {c: getattr(row, c) for c in ApprovalView.model_fields if hasattr(row, c)}
        headline = self.headline(row.tool, row.args) if self.headline else None
        view = ApprovalView.model_validate({**data, "message": message, "headline": headline})
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
        purpose: str | None = None,
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
            purpose=purpose,
            thread_id=thread_id,
            run_id=run_id,
            status="pending",
            idempotency_key=idempotency_key,
        )
        note = AuditNote(
            actor=actor,
            event="approval_requested",
            tool=spec.name,
            resource=resource,
            data={
                "approval_id": row.id,
                "args": args,
                "rule": decision.rule,
                "reason": decision.reason,
                **({"purpose": purpose} if purpose else {}),
            },
        )
        if await approvals.add_approval(self.db, row, note):
            return row
        # The same idempotency key asked concurrently: the first approval stands.
        existing = await self.by_idempotency_key(idempotency_key or "")
        assert existing is not None  # add_approval found it, and approvals are never deleted
        return existing

    async def by_idempotency_key(self, key: str) -> Approval | None:
        """The approval an earlier call with this idempotency key created, if any."""
        await self.expire_due()
        return await approvals.approval_by_idempotency_key(self.db, key)

    async def get(self, approval_id: str) -> Approval:
        """One approval by id (expiring it first if its time is up)."""
        await self.expire_due()
        row = await approvals.get_approval(self.db, approval_id)
        if row is None:
            raise NotFound(f"no approval with id {approval_id!r}")
        return row

    async def list(self, status: str | None = None, limit: int = 200) -> list[Approval]:
        """Approvals, newest first, optionally with one status."""
        await self.expire_due()
        return await approvals.list_approvals(self.db, status, limit)

    async def for_thread(
        self, thread_id: str, status: str | None = None
    ) -> builtins.list[Approval]:
        """Approvals asked in one conversation, oldest first."""
        return await approvals.thread_approvals(self.db, thread_id, status)

    async def expire_due(self) -> int:
        """Mark pending approvals past their expiry as expired; returns how many."""
        return await approvals.expire_due_approvals(self.db, self.clock(), _expired_note)

    async def decide(
        self, approval_id: str, *, approve: bool, by: str, via: str | None = None
    ) -> Approval:
        """Move a pending approval to approved or rejected; any other state is returned as is.

        `via` names the way the answer came (e.g. "link") for the audit entry.
        """
        if not by.startswith("user:"):
            raise BadInput(f"approvals are answered by a person (user:NAME), not {by!r}")
        row = await self.get(approval_id)
        if row.status != "pending":
            return row
        now = self.clock()
        target = "approved" if approve else "rejected"
        await approvals.decide_approval(
            self.db,
            approval_id,
            status=target,
            by=by,
            at=now,
            finished_at=None if approve else now,
            note=AuditNote(
                actor=by,
                event=f"approval_{target}",
                tool=row.tool,
                resource=row.resource,
                data={"approval_id": approval_id, **({"via": via} if via else {})},
            ),
        )
        return await self.get(approval_id)

    async def finish(self, approval_id: str, status: str, result: dict[str, Any]) -> Approval:
        """Record the outcome of an approved call (only once)."""
        await approvals.finish_approval(
            self.db, approval_id, status=status, result=result, at=self.clock()
        )
        return await self.get(approval_id)


def _expired_note(due: approvals.DueApproval) -> AuditNote:
    return AuditNote(
        actor="system",
        event="approval_expired",
        tool=due.tool,
        resource=due.resource,
        data={"approval_id": due.id, "asked_by": due.actor},
    )
