"""The single enforcement point: every tool call, from anywhere, passes through `Gate.invoke`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import BadInput, JarvisError, NotAllowed
from core.logging import get_logger
from memory import audit
from memory.db import Database
from memory.models import Approval, Execution, utcnow
from memory.vault import Vault
from policies.approvals import ApprovalStore
from policies.engine import Decision, PolicyEngine, PolicyRequest
from policies.outcome import ApprovalView, Invocation, ToolOutcome
from policies.provenance import Provenance
from policies.redaction import Redactor, find_placeholders, substitute
from tools.deps import ToolDeps
from tools.registry import Registry, ToolArgs, ToolSpec

log = get_logger("gate")
AUDIT_RESULT_CAP = 4000


@dataclass
class CallContext:
    """Who is calling and from where; the provenance of the values the run has seen."""

    actor: str = "user:admin"
    thread_id: str | None = None
    run_id: str | None = None
    idempotency_key: str | None = None
    provenance: Provenance | None = field(default=None, repr=False)


def _validation_message(tool: str, exc: ValidationError) -> str:
    parts = []
    for item in exc.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(arguments)"
        msg = "unknown argument" if item["type"] == "extra_forbidden" else item["msg"]
        parts.append(f"{where}: {msg}")
    return f"invalid arguments for {tool}: " + "; ".join(parts)


def _capped(data: dict[str, Any] | None) -> dict[str, Any] | None:
    text = audit.canonical(data)
    if len(text) <= AUDIT_RESULT_CAP:
        return data
    return {"truncated": True, "preview": text[:AUDIT_RESULT_CAP]}


class Gate:
    """Validates, resolves secrets, asks the policy, records approvals, executes once, audits."""

    def __init__(
        self,
        db: Database,
        registry: Registry,
        engine: PolicyEngine,
        deps: ToolDeps,
        vault: Vault,
        approval_ttl: timedelta = timedelta(hours=1),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.registry = registry
        self.engine = engine
        self.deps = deps
        self.vault = vault
        self.clock = clock
        self.approvals = ApprovalStore(db, approval_ttl, clock)

    # -- preparing a call ---------------------------------------------------------------
    async def _prepare(
        self, ctx: CallContext, tool: str, raw_args: dict[str, Any]
    ) -> tuple[ToolSpec, ToolArgs, dict[str, Any], str]:
        try:
            spec = self.registry.get(tool)
            if not isinstance(raw_args, dict):
                raise BadInput(f"arguments for {tool} must be a JSON object")
            placeholders = find_placeholders(raw_args)
            resolved = raw_args
            if placeholders:
                async with self.db.session() as session:
                    mapping = await self.vault.resolve(session, placeholders)
                resolved = substitute(raw_args, mapping)
            try:
                args = spec.args_model.model_validate(resolved)
            except ValidationError as exc:
                raise BadInput(_validation_message(tool, exc)) from None
        except BadInput as exc:
            await self._reject(ctx, tool, exc)
            raise
        redacted, secrets = self._redact(args.model_dump(mode="json"))
        if secrets:
            async with self.db.session() as session:
                await self.vault.remember(session, secrets)
        return spec, args, redacted, spec.resource_for(args)

    async def _reject(self, ctx: CallContext, tool: str, exc: BadInput) -> None:
        async with self.db.session() as session:
            await audit.append(
                session, actor=ctx.actor, event="rejected", tool=tool, data={"reason": exc.message}
            )

    def _redact(self, value: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        found = self.deps.take_secrets()  # what tools marked as secret themselves
        redacted = Redactor(self.deps.redaction_salt, sink=found.__setitem__).value(value)
        return redacted, found

    async def _count_recent(self, tool: str, resource: str | None, since: datetime) -> int:
        query = (
            select(func.count())
            .select_from(Execution)
            .where(Execution.tool == tool, Execution.started_at >= since)
        )
        if resource is not None:
            query = query.where(Execution.resource == resource)
        async with self.db.session() as session:
            return int((await session.execute(query)).scalar_one())

    async def check(self, ctx: CallContext, tool: str, raw_args: dict[str, Any]) -> Decision:
        """The policy decision for a call, without running or recording anything."""
        if tool not in self.registry:
            req = PolicyRequest(tool=tool, risk=None, actor=ctx.actor, resource="*")
            return await self.engine.evaluate(req, self._count_recent)
        spec = self.registry.get(tool)
        try:
            args = spec.args_model.model_validate(raw_args)
        except ValidationError as exc:
            raise BadInput(_validation_message(tool, exc)) from None
        return await self.engine.evaluate(self._request(ctx, spec, args), self._count_recent)

    def _request(self, ctx: CallContext, spec: ToolSpec, args: ToolArgs) -> PolicyRequest:
        untrusted: list[str] = []
        if ctx.provenance is not None and spec.risk != "read":
            untrusted = ctx.provenance.untrusted_only(args.model_dump(mode="json"))
        return PolicyRequest(
            tool=spec.name,
            risk=spec.risk,
            actor=ctx.actor,
            resource=spec.resource_for(args),
            untrusted_values=untrusted,
        )

    # -- the one entry point ------------------------------------------------------------
    async def invoke(self, ctx: CallContext, tool: str, raw_args: dict[str, Any]) -> ToolOutcome:
        """Run one tool call under the policy; bad input raises BadInput and changes nothing."""
        spec, args, redacted, resource = await self._prepare(ctx, tool, raw_args)
        invocation = Invocation(tool=spec.name, args=redacted, actor=ctx.actor, resource=resource)
        decision = await self.engine.evaluate(self._request(ctx, spec, args), self._count_recent)
        common = {"rule": decision.rule, "reason": decision.reason}
        if decision.decision == "deny":
            async with self.db.session() as session:
                await audit.append(
                    session,
                    actor=ctx.actor,
                    event="denied",
                    tool=spec.name,
                    resource=resource,
                    data={"args": redacted, **common},
                )
            return ToolOutcome(
                status="denied",
                invocation=invocation,
                message=f"{spec.name} was denied by rule {decision.rule}: {decision.reason}",
                **common,
            )
        if decision.decision == "ask":
            try:
                diff = await self._preview(spec, args)
            except BadInput as exc:
                await self._reject(ctx, spec.name, exc)
                raise
            approval = await self.approvals.create(
                ctx_actor=ctx.actor,
                thread_id=ctx.thread_id,
                run_id=ctx.run_id,
                spec=spec,
                args=redacted,
                resource=resource,
                decision=decision,
                diff=diff,
            )
            return ToolOutcome(
                status="approval_required",
                invocation=invocation,
                approval_id=approval.id,
                message=f"{spec.name} on {resource} needs approval ({decision.reason})",
                **common,
            )
        if spec.risk == "read":
            return await self._run_read(ctx, spec, args, invocation, decision)
        key = ctx.idempotency_key or f"call:{uuid.uuid4()}"
        return await self._run_write(ctx.actor, spec, args, invocation, decision, key, None)

    async def _preview(self, spec: ToolSpec, args: ToolArgs) -> str | None:
        """What the change would do, for the approval; only a forbidden target stops asking."""
        if spec._preview is None:
            return None
        try:
            return await spec._preview(args, self.deps)
        except BadInput:
            raise
        except NotAllowed as exc:
            # A target the call may never touch is bad input, not something to ask about.
            raise BadInput(exc.message) from None
        except JarvisError as exc:
            return f"(no preview: {exc.message})"
        except Exception as exc:
            log.exception("preview_crashed", tool=spec.name, error_type=type(exc).__name__)
            return f"(no preview: {type(exc).__name__})"

    # -- execution ----------------------------------------------------------------------
    async def _call(
        self, spec: ToolSpec, args: ToolArgs
    ) -> tuple[str, dict[str, Any] | None, str | None]:
        try:
            result = await spec._impl(args, self.deps)
        except JarvisError as exc:
            return "error", None, exc.message
        except Exception as exc:
            log.exception("tool_crashed", tool=spec.name, error_type=type(exc).__name__)
            return (
                "error",
                None,
                f"{spec.name} failed unexpectedly ({type(exc).__name__}); see the logs",
            )
        status = "no_data" if result.is_empty() else "ok"
        return status, result.model_dump(mode="json"), None

    async def _run_read(
        self,
        ctx: CallContext,
        spec: ToolSpec,
        args: ToolArgs,
        invocation: Invocation,
        decision: Decision,
    ) -> ToolOutcome:
        status, data, message = await self._call(spec, args)
        redacted, secrets = self._redact(data) if data is not None else (None, {})
        if secrets:
            async with self.db.session() as session:
                await self.vault.remember(session, secrets)
        entry = {
            "args": invocation.args,
            "rule": decision.rule,
            "status": status,
            "message": message,
        }
        await self.db.write(
            lambda conn: audit.write_entry(
                conn,
                actor=ctx.actor,
                event="read",
                tool=spec.name,
                resource=invocation.resource,
                data=entry,
            )
        )
        self._track(ctx, spec, redacted)
        return ToolOutcome(
            status=status,
            invocation=invocation,
            data=redacted,
            message=message,
            rule=decision.rule,
            reason=decision.reason,
            untrusted=spec.untrusted_output,
        )

    @staticmethod
    def _track(ctx: CallContext, spec: ToolSpec, data: dict[str, Any] | None) -> None:
        if ctx.provenance is None or data is None:
            return
        if spec.untrusted_output:
            ctx.provenance.add_untrusted(data)
        else:
            ctx.provenance.add_trusted(data)

    async def _run_write(
        self,
        actor: str,
        spec: ToolSpec,
        args: ToolArgs,
        invocation: Invocation,
        decision: Decision,
        key: str,
        approval_id: str | None,
    ) -> ToolOutcome:
        claimed = await self._claim(actor, spec, invocation, decision, key, approval_id)
        if claimed is not None:
            return claimed
        status, data, message = await self._call(spec, args)
        redacted, secrets = self._redact(data) if data is not None else (None, {})
        outcome = ToolOutcome(
            status=status,
            invocation=invocation,
            data=redacted,
            message=message,
            rule=decision.rule,
            reason=decision.reason,
            approval_id=approval_id,
            untrusted=spec.untrusted_output,
        )
        async with self.db.session() as session:
            if secrets:
                await self.vault.remember(session, secrets)
            await session.execute(
                update(Execution)
                .where(Execution.idempotency_key == key)
                .values(
                    status=status, finished_at=self.clock(), result=outcome.model_dump(mode="json")
                )
            )
            await audit.append(
                session,
                actor=actor,
                event="executed" if status != "error" else "failed",
                tool=spec.name,
                resource=invocation.resource,
                data={
                    "key": key,
                    "approval_id": approval_id,
                    "status": status,
                    "message": message,
                    "result": _capped(redacted),
                },
            )
        return outcome

    async def _claim(
        self,
        actor: str,
        spec: ToolSpec,
        invocation: Invocation,
        decision: Decision,
        key: str,
        approval_id: str | None,
    ) -> ToolOutcome | None:
        """Record the execution before the side effect; a known key returns its first outcome."""
        try:
            async with self.db.session() as session:
                session.add(
                    Execution(
                        idempotency_key=key,
                        tool=spec.name,
                        resource=invocation.resource,
                        actor=actor,
                        approval_id=approval_id,
                        status="running",
                        started_at=self.clock(),
                    )
                )
                await session.flush()
                await audit.append(
                    session,
                    actor=actor,
                    event="allowed",
                    tool=spec.name,
                    resource=invocation.resource,
                    data={
                        "args": invocation.args,
                        "rule": decision.rule,
                        "key": key,
                        "approval_id": approval_id,
                    },
                )
            return None
        except IntegrityError:
            pass
        async with self.db.session() as session:
            row = (
                await session.execute(select(Execution).where(Execution.idempotency_key == key))
            ).scalar_one()
        if row.result is not None:
            previous = ToolOutcome.model_validate(row.result)
            return previous.model_copy(update={"replayed": True})
        return ToolOutcome(
            status="error",
            invocation=invocation,
            rule=decision.rule,
            approval_id=approval_id,
            replayed=True,
            message=(
                f"{spec.name} on {invocation.resource} was started earlier under the same key "
                "and did not report back; it is not run again. Check the current state."
            ),
        )

    async def _finished(self, key: str) -> bool:
        async with self.db.session() as session:
            row = (
                await session.execute(
                    select(Execution.result).where(Execution.idempotency_key == key)
                )
            ).scalar_one_or_none()
        return row is not None

    # -- approvals ----------------------------------------------------------------------
    async def decide(self, approval_id: str, *, approve: bool, by: str) -> ApprovalView:
        """Approve (and execute once) or reject a pending approval; repeats are harmless."""
        row = await self.approvals.decide(approval_id, approve=approve, by=by)
        if row.status != "approved":
            return self.approvals.view(row)
        return await self._execute_approved(row)

    async def _execute_approved(self, row: Approval) -> ApprovalView:
        spec = self.registry.get(row.tool)
        outcome: ToolOutcome
        try:
            async with self.db.session() as session:
                mapping = await self.vault.resolve(session, find_placeholders(row.args))
            args = spec.args_model.model_validate(substitute(row.args, mapping))
        except (BadInput, ValidationError) as exc:
            message = exc.message if isinstance(exc, BadInput) else str(exc)
            return self.approvals.view(
                await self.approvals.finish(
                    row.id,
                    "failed",
                    {
                        "status": "error",
                        "message": f"the approved call can no longer run: {message}",
                    },
                )
            )
        invocation = Invocation(
            tool=row.tool, args=row.args, actor=row.actor, resource=row.resource
        )
        # A deny rule added after the question still wins over the approval.
        decision = await self.engine.evaluate(
            PolicyRequest(tool=row.tool, risk=row.risk, actor=row.actor, resource=row.resource),
            self._count_recent,
        )
        if decision.decision == "deny":
            outcome = ToolOutcome(
                status="denied",
                invocation=invocation,
                rule=decision.rule,
                reason=decision.reason,
                approval_id=row.id,
                message=f"denied by rule {decision.rule} after approval: {decision.reason}",
            )
        else:
            approved = Decision(
                decision="allow",
                rule=row.rule or "approval",
                reason=f"approved by {row.decided_by}",
            )
            key = f"approval:{row.id}"
            outcome = await self._run_write(
                row.actor, spec, args, invocation, approved, key, row.id
            )
            if outcome.replayed and not await self._finished(key):
                # Another caller is executing this approval right now; it records the result.
                return self.approvals.view(await self.approvals.get(row.id), outcome.message)
        final = "executed" if outcome.status in ("ok", "no_data") else "failed"
        return self.approvals.view(
            await self.approvals.finish(row.id, final, outcome.model_dump(mode="json"))
        )
