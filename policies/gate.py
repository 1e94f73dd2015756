"""The single enforcement point: every tool call, from anywhere, passes through `Gate.invoke`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from core.errors import BadInput, JarvisError, NotAllowed
from core.logging import get_logger
from memory import audit
from memory.db import Database
from memory.models import Approval, utcnow
from memory.vault import Vault
from policies.approvals import ApprovalStore
from policies.engine import Decision, PolicyEngine, PolicyRequest
from policies.outcome import ApprovalView, Invocation, ToolOutcome
from policies.provenance import Provenance
from policies.redaction import Redactor, find_placeholders, substitute, unsubstitute
from policies.runner import Runner, call_tool
from tools.deps import ToolDeps
from tools.registry import Registry, ToolArgs, ToolSpec

log = get_logger("gate")


@dataclass
class CallContext:
    """Who is calling and from where; the provenance of the values the run has seen."""

    actor: str = "user:admin"
    thread_id: str | None = None
    run_id: str | None = None
    idempotency_key: str | None = None
    provenance: Provenance | None = field(default=None, repr=False)


@dataclass
class Prepared:
    """A validated call: real arguments to run with, and the redacted ones everyone sees."""

    spec: ToolSpec
    args: ToolArgs
    shown: dict[str, Any]
    resolved: dict[str, str]  # placeholder -> secret, used by this call

    @property
    def resource(self) -> str:
        """The resource, computed from the shown arguments so no secret ends up in it."""
        return self.spec.resource_for(self.shown)


def _validation_message(tool: str, exc: ValidationError) -> str:
    parts = []
    for item in exc.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(arguments)"
        msg = "unknown argument" if item["type"] == "extra_forbidden" else item["msg"]
        parts.append(f"{where}: {msg}")
    return f"invalid arguments for {tool}: " + "; ".join(parts)


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
        self.runner = Runner(db, deps, clock)
        # Deciding and claiming a write is one step, so a rate limit cannot be raced past.
        self._write_lock = asyncio.Lock()

    # -- redaction ----------------------------------------------------------------------
    def _scrub(
        self, data: dict[str, Any] | None, message: str | None, resolved: dict[str, str]
    ) -> tuple[dict[str, Any] | None, str | None, dict[str, str]]:
        """Hide secrets: those this call resolved, those tools marked, and known shapes."""
        found = self.deps.take_secrets()
        redactor = Redactor(self.deps.redaction_salt, sink=found.__setitem__)
        shown = redactor.value(unsubstitute(data, resolved)) if data is not None else None
        text = redactor.text(unsubstitute(message, resolved)) if message else message
        return shown, text, found

    async def _remember(self, session: Any, secrets: dict[str, str]) -> None:
        await self.vault.remember(session, secrets)

    # -- preparing a call ---------------------------------------------------------------
    async def _prepare(self, ctx: CallContext, tool: str, raw_args: Any) -> Prepared:
        resolved: dict[str, str] = {}
        try:
            spec = self.registry.get(tool)
            if not isinstance(raw_args, dict):
                raise BadInput(f"arguments for {tool} must be a JSON object")
            placeholders = find_placeholders(raw_args)
            if placeholders:
                async with self.db.session() as session:
                    resolved = await self.vault.resolve(session, placeholders)
            try:
                args = spec.args_model.model_validate(substitute(raw_args, resolved))
            except ValidationError as exc:
                raise BadInput(_validation_message(tool, exc)) from None
            if spec._canonical is not None:
                try:
                    args = await spec._canonical(args, self.deps)
                except BadInput:
                    raise
                except JarvisError as exc:
                    raise BadInput(exc.message) from None
        except BadInput as exc:
            _, message, _ = self._scrub(None, exc.message, resolved)
            await self._reject(ctx, tool, message or "")
            raise BadInput(message or "") from None
        shown, _, secrets = self._scrub(args.model_dump(mode="json"), None, resolved)
        if secrets:
            async with self.db.session() as session:
                await self.vault.remember(session, secrets)
        return Prepared(spec, args, shown or {}, resolved)

    async def _reject(self, ctx: CallContext, tool: str, reason: str) -> None:
        async with self.db.session() as session:
            await audit.append(
                session,
                key=self.db.audit_key,
                actor=ctx.actor,
                event="rejected",
                tool=tool[:200],
                data={"reason": reason},
            )

    def _request(self, ctx: CallContext, p: Prepared) -> PolicyRequest:
        untrusted: list[str] = []
        if ctx.provenance is not None and p.spec.risk != "read":
            untrusted = ctx.provenance.untrusted_only(p.shown)
        return PolicyRequest(
            tool=p.spec.name,
            risk=p.spec.risk,
            actor=ctx.actor,
            resource=p.resource,
            untrusted_values=untrusted,
        )

    async def check(self, ctx: CallContext, tool: str, raw_args: dict[str, Any]) -> Decision:
        """The policy decision for a call, without running anything."""
        if tool not in self.registry:
            req = PolicyRequest(tool=tool, risk=None, actor=ctx.actor, resource="*")
            return await self.engine.evaluate(req, self.runner.count_recent)
        p = await self._prepare(ctx, tool, raw_args)
        return await self.engine.evaluate(self._request(ctx, p), self.runner.count_recent)

    # -- the one entry point ------------------------------------------------------------
    async def invoke(self, ctx: CallContext, tool: str, raw_args: dict[str, Any]) -> ToolOutcome:
        """Run one tool call under the policy; bad input raises BadInput and changes nothing."""
        p = await self._prepare(ctx, tool, raw_args)
        invocation = Invocation(
            tool=p.spec.name, args=p.shown, actor=ctx.actor, resource=p.resource
        )
        if p.spec.risk == "read":
            decision = await self.engine.evaluate(self._request(ctx, p), self.runner.count_recent)
            if decision.decision == "allow":
                return await self._run_read(ctx, p, invocation, decision)
            return await self._not_now(ctx, p, invocation, decision)
        if ctx.idempotency_key is not None:
            earlier = await self._earlier_approval(ctx.idempotency_key, invocation)
            if earlier is not None:
                return earlier
        key = ctx.idempotency_key or f"call:{uuid.uuid4()}"
        async with self._write_lock:
            decision = await self.engine.evaluate(self._request(ctx, p), self.runner.count_recent)
            if decision.decision != "allow":
                return await self._not_now(ctx, p, invocation, decision)
            replay = await self.runner.claim(invocation, decision.rule, key, None)
        if replay is not None:
            return replay
        return await self._run_claimed(p, invocation, decision, key, None)

    async def _not_now(
        self, ctx: CallContext, p: Prepared, invocation: Invocation, decision: Decision
    ) -> ToolOutcome:
        common = {"rule": decision.rule, "reason": decision.reason}
        if decision.decision == "deny":
            async with self.db.session() as session:
                await audit.append(
                    session,
                    key=self.db.audit_key,
                    actor=ctx.actor,
                    event="denied",
                    tool=p.spec.name,
                    resource=invocation.resource,
                    data={"args": p.shown, **common},
                )
            message = f"{p.spec.name} was denied by rule {decision.rule}: {decision.reason}"
            return ToolOutcome(status="denied", invocation=invocation, message=message, **common)
        diff = await self._preview(ctx, p)
        approval = await self.approvals.create(
            actor=ctx.actor,
            thread_id=ctx.thread_id,
            run_id=ctx.run_id,
            spec=p.spec,
            args=p.shown,
            resource=invocation.resource,
            decision=decision,
            diff=diff,
            idempotency_key=ctx.idempotency_key,
        )
        return self._asked(approval, invocation)

    @staticmethod
    def _asked(approval: Approval, invocation: Invocation) -> ToolOutcome:
        return ToolOutcome(
            status="approval_required",
            invocation=invocation,
            approval_id=approval.id,
            rule=approval.rule,
            reason=approval.reason,
            message=f"{approval.tool} on {approval.resource} needs approval ({approval.reason})",
        )

    async def _earlier_approval(self, key: str, invocation: Invocation) -> ToolOutcome | None:
        """A repeated call with the same key gets the approval it created the first time."""
        row = await self.approvals.by_idempotency_key(key)
        if row is None:
            return None
        if row.result is not None:
            return ToolOutcome.model_validate(row.result).model_copy(update={"replayed": True})
        return self._asked(row, invocation).model_copy(update={"replayed": True})

    async def _preview(self, ctx: CallContext, p: Prepared) -> str | None:
        """What the change would do, for the approval; only a forbidden target stops asking."""
        if p.spec._preview is None:
            return None
        try:
            text = await p.spec._preview(p.args, self.deps)
        except (BadInput, NotAllowed) as exc:
            # A target the call may never touch is bad input, not something to ask about.
            _, message, _ = self._scrub(None, exc.message, p.resolved)
            await self._reject(ctx, p.spec.name, message or "")
            raise BadInput(message or "") from None
        except JarvisError as exc:
            text = f"(no preview: {exc.message})"
        except Exception as exc:
            log.exception("preview_crashed", tool=p.spec.name, error_type=type(exc).__name__)
            text = f"(no preview: {type(exc).__name__})"
        _, shown, secrets = self._scrub(None, text, p.resolved)
        if secrets:
            async with self.db.session() as session:
                await self.vault.remember(session, secrets)
        return shown

    # -- execution ----------------------------------------------------------------------
    async def _run_read(
        self, ctx: CallContext, p: Prepared, invocation: Invocation, decision: Decision
    ) -> ToolOutcome:
        status, data, message = await call_tool(p.spec, p.args, self.deps)
        shown, shown_message, secrets = self._scrub(data, message, p.resolved)
        if secrets:
            async with self.db.session() as session:
                await self.vault.remember(session, secrets)
        entry = {"args": p.shown, "rule": decision.rule, "status": status, "message": shown_message}
        await self.db.write(
            lambda conn: audit.write_entry(
                conn,
                key=self.db.audit_key,
                actor=ctx.actor,
                event="read",
                tool=p.spec.name,
                resource=invocation.resource,
                data=entry,
            )
        )
        if ctx.provenance is not None and shown is not None:
            if p.spec.untrusted_output:
                ctx.provenance.add_untrusted(shown)
            else:
                ctx.provenance.add_trusted(shown)
        return ToolOutcome(
            status=status,
            invocation=invocation,
            data=shown,
            message=shown_message,
            rule=decision.rule,
            reason=decision.reason,
            untrusted=p.spec.untrusted_output,
        )

    async def _run_claimed(
        self,
        p: Prepared,
        invocation: Invocation,
        decision: Decision,
        key: str,
        approval_id: str | None,
    ) -> ToolOutcome:
        base = {"rule": decision.rule, "reason": decision.reason, "approval_id": approval_id}
        return await self.runner.run_claimed(
            p.spec,
            p.args,
            invocation,
            base,
            key,
            scrub=lambda data, message: self._scrub(data, message, p.resolved),
            remember=self._remember,
        )

    # -- approvals ----------------------------------------------------------------------
    async def decide(self, approval_id: str, *, approve: bool, by: str) -> ApprovalView:
        """Approve (and execute once) or reject a pending approval; repeats are harmless."""
        row = await self.approvals.decide(approval_id, approve=approve, by=by)
        if row.status == "approved" and approve:
            return await self._execute_approved(row)
        message = None
        if approve and row.status == "rejected":
            message = "this approval was rejected earlier; nothing was run"
        elif not approve and row.status in ("approved", "executed", "failed"):
            message = f"this approval was already {row.status}; rejecting it changes nothing"
        return self.approvals.view(row, message)

    async def _execute_approved(self, row: Approval) -> ApprovalView:
        key = f"approval:{row.id}"
        invocation = Invocation(
            tool=row.tool, args=row.args, actor=row.actor, resource=row.resource
        )
        stored = await self.runner.stored_result(key)
        if stored is not None:  # ran before a crash, or by a concurrent caller
            return await self._finish(row, ToolOutcome.model_validate(stored))
        if row.expires_at <= self.clock():
            # Approved, then interrupted before it ran; too late to run it now.
            return await self._finish(
                row,
                ToolOutcome(
                    status="error",
                    invocation=invocation,
                    approval_id=row.id,
                    message="approved but not run before the approval expired; nothing was run",
                ),
            )
        try:
            spec = self.registry.get(row.tool)
            async with self.db.session() as session:
                resolved = await self.vault.resolve(session, find_placeholders(row.args))
            args = spec.args_model.model_validate(substitute(row.args, resolved))
        except (BadInput, ValidationError) as exc:
            message = exc.message if isinstance(exc, BadInput) else str(exc)
            return await self._finish(
                row,
                ToolOutcome(
                    status="error",
                    invocation=invocation,
                    approval_id=row.id,
                    message=f"the approved call can no longer run: {message}",
                ),
            )
        # A deny rule added after the question still wins over the approval.
        decision = await self.engine.evaluate(
            PolicyRequest(tool=row.tool, risk=row.risk, actor=row.actor, resource=row.resource),
            self.runner.count_recent,
        )
        if decision.decision == "deny":
            return await self._finish(
                row,
                ToolOutcome(
                    status="denied",
                    invocation=invocation,
                    rule=decision.rule,
                    reason=decision.reason,
                    approval_id=row.id,
                    message=f"denied by rule {decision.rule} after approval: {decision.reason}",
                ),
            )
        approved = Decision(
            decision="allow", rule=row.rule or "approval", reason=f"approved by {row.decided_by}"
        )
        replay = await self.runner.claim(invocation, approved.rule, key, row.id)
        if replay is not None:
            if await self.runner.stored_result(key) is None:
                # Another caller is running it right now; it records the result.
                view = self.approvals.view(await self.approvals.get(row.id), replay.message)
                return view
            return await self._finish(row, replay)
        prepared = Prepared(spec, args, row.args, resolved)
        outcome = await self._run_claimed(prepared, invocation, approved, key, row.id)
        return await self._finish(row, outcome)

    async def _finish(self, row: Approval, outcome: ToolOutcome) -> ApprovalView:
        final = "executed" if outcome.status in ("ok", "no_data") else "failed"
        done = await self.approvals.finish(row.id, final, outcome.model_dump(mode="json"))
        return self.approvals.view(done)
