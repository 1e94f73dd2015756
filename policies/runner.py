"""Runs a tool's side effect at most once per idempotency key, and records what happened."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from core.errors import JarvisError
from core.logging import get_logger
from memory import audit, executions
from memory.audit_notes import AuditNote
from memory.db import Database
from memory.executions import Limit
from policies.outcome import Invocation, Status, ToolOutcome
from tools.deps import ToolDeps
from tools.registry import ToolArgs, ToolSpec

log = get_logger("runner")
AUDIT_RESULT_CAP = 4000

# (data, message) -> (shown data, shown message), secrets kept in the vault
Scrub = Callable[
    [dict[str, Any] | None, str | None], Awaitable[tuple[dict[str, Any] | None, str | None]]
]


def capped(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A result small enough for an audit entry."""
    text = audit.canonical(data)
    if len(text) <= AUDIT_RESULT_CAP:
        return data
    return {"truncated": True, "preview": text[:AUDIT_RESULT_CAP]}


async def call_tool(
    spec: ToolSpec, args: ToolArgs, deps: ToolDeps
) -> tuple[Status, dict[str, Any] | None, str | None]:
    """Run the implementation; typed errors become messages, never tracebacks."""
    try:
        result = await spec._impl(args, deps)
    except JarvisError as exc:
        return "error", exc.details, exc.message
    except Exception as exc:
        log.exception("tool_crashed", tool=spec.name, error_type=type(exc).__name__)
        return (
            "error",
            None,
            f"{spec.name} failed unexpectedly ({type(exc).__name__}); see the logs",
        )
    status: Status = "no_data" if result.is_empty() else "ok"
    return status, result.model_dump(mode="json"), None


class Runner:
    """Claims an execution row before the side effect; a known key returns its first outcome."""

    def __init__(self, db: Database, deps: ToolDeps, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.deps = deps
        self.clock = clock

    async def count_recent(self, tools: list[str], resource: str | None, since: datetime) -> int:
        """Executions of tools matching the globs since a time (for rate limits)."""
        return await executions.count_recent(self.db, tools, resource, since)

    async def claim(
        self,
        invocation: Invocation,
        rule: str,
        key: str,
        approval_id: str | None,
        limit: Limit | None = None,
    ) -> ToolOutcome | None:
        """Record the execution (and its audit entry) before running; None means: go ahead.

        With a rate limit, the count is taken again under the audit head's lock, in the same
        transaction as the claim, so other processes cannot race past it (OverLimit).
        """
        claimed = await executions.claim_execution(
            self.db,
            key=key,
            tool=invocation.tool,
            resource=invocation.resource,
            actor=invocation.actor,
            approval_id=approval_id,
            note=AuditNote(
                actor=invocation.actor,
                event="allowed",
                tool=invocation.tool,
                resource=invocation.resource,
                data={
                    "args": invocation.args,
                    "rule": rule,
                    "key": key,
                    "approval_id": approval_id,
                },
            ),
            limit=limit,
            clock=self.clock,
        )
        if claimed:
            return None
        result = await self.stored_result(key)
        if result is not None:
            return ToolOutcome.model_validate(result).model_copy(update={"replayed": True})
        return ToolOutcome(
            status="error",
            invocation=invocation,
            rule=rule,
            approval_id=approval_id,
            replayed=True,
            message=(
                f"{invocation.tool} on {invocation.resource} was started earlier under the same "
                "key and has not reported back; it is not run again. Check the current state."
            ),
        )

    async def close_stale(
        self, key: str, invocation: Invocation, started_before: datetime
    ) -> ToolOutcome | None:
        """Close an execution whose process died before it reported back; never re-run it."""
        outcome = ToolOutcome(
            status="error",
            invocation=invocation,
            message=(
                f"{invocation.tool} on {invocation.resource} was interrupted: the process "
                "stopped before it reported back. It is not run again; check the current state."
            ),
        )
        closed = await executions.close_stale_execution(
            self.db,
            key,
            started_before=started_before,
            result=outcome.model_dump(mode="json"),
            note=AuditNote(
                actor="system",
                event="interrupted",
                tool=invocation.tool,
                resource=invocation.resource,
                data={"key": key},
            ),
            clock=self.clock,
        )
        if not closed:
            return None
        return outcome

    async def known(self, key: str) -> bool:
        """Whether an execution with this key was ever claimed."""
        return await executions.execution_exists(self.db, key)

    async def stored_result(self, key: str) -> dict[str, Any] | None:
        """The recorded outcome of the execution with this key, if it finished."""
        return await executions.execution_result(self.db, key)

    async def run_claimed(
        self,
        spec: ToolSpec,
        args: ToolArgs,
        invocation: Invocation,
        outcome_base: dict[str, Any],
        key: str,
        scrub: Scrub,
    ) -> ToolOutcome:
        """Run a claimed execution and record its outcome and audit entry."""
        status, data, message = await call_tool(spec, args, self.deps)
        shown, shown_message = await scrub(data, message)
        outcome = ToolOutcome(
            status=status,
            invocation=invocation,
            data=shown,
            message=shown_message,
            untrusted=spec.untrusted_output,
            **outcome_base,
        )
        await executions.finish_execution(
            self.db,
            key,
            status=status,
            result=outcome.model_dump(mode="json"),
            note=AuditNote(
                actor=invocation.actor,
                event="executed" if status != "error" else "failed",
                tool=spec.name,
                resource=invocation.resource,
                data={
                    "key": key,
                    "approval_id": outcome.approval_id,
                    "status": status,
                    "message": shown_message,
                    "result": capped(shown),
                },
            ),
            clock=self.clock,
        )
        return outcome
