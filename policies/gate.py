"""The single enforcement point: every tool call, from anywhere, passes through `Gate.invoke`."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from core import metrics
from core.errors import BadInput
from core.logging import get_logger
from core.redaction import find_placeholders, substitute
from memory import audit
from memory.db import Database
from memory.executions import Limit, OverLimit
from memory.models import Approval, utcnow
from memory.vault import Vault
from policies.approvals import ApprovalStore
from policies.engine import Decision, PolicyEngine, PolicyRequest, host_of
from policies.outcome import ApprovalView, Invocation, ToolOutcome
from policies.prepare import CallContext, Prepared, Preparer
from policies.runner import Runner, call_tool
from tools.deps import ToolDeps
from tools.registry import Registry

__all__ = ["CallContext", "Gate"]  # callers build a CallContext and hand it to the gate

log = get_logger("gate")
KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{1,150}$")
STRICTNESS = {"allow": 0, "ask": 1, "deny": 2}
# A claimed execution silent for this long belongs to a process that died (tools time out
# long before), so its approval is closed as interrupted instead of waiting forever.
STALE_AFTER = timedelta(minutes=15)


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
        on_approval: Callable[[ApprovalView], None] | None = None,
        on_decided: Callable[[ApprovalView], None] | None = None,
    ) -> None:
        self.db = db
        # Told about every new approval (notifications, live chat cards), and each answer and
        # result (cards elsewhere update); must not block.
        self.on_approval, self.on_decided = on_approval, on_decided
        self.registry = registry
        self.engine = engine
        self.deps = deps
        self.vault = vault
        self.clock = clock
        self.approvals = ApprovalStore(db, approval_ttl, clock, registry.headline)
        self.runner = Runner(db, deps, clock)
        self.prep = Preparer(db, registry, deps, vault)
        # Deciding and claiming a write is one step, so a rate limit cannot be raced past.
        self._write_lock = asyncio.Lock()

    def _request(self, ctx: CallContext, p: Prepared, resource: str) -> PolicyRequest:
        untrusted: list[str] = []
        if ctx.provenance is not None and p.spec.risk != "read":
            free = p.spec.free_fields
            given = {k: v for k, v in p.as_given.items() if k in free}
            real = {k: v for k, v in p.shown.items() if k in free}
            untrusted = ctx.provenance.untrusted_only(
                {"given": given, "real": real}, self.engine.named_values
            )
        return PolicyRequest(
            tool=p.spec.name,
            risk=p.spec.risk,
            actor=ctx.actor,
            resource=resource,
            untrusted_values=untrusted,
            labels=p.labels,
            host=host_of(p.shown),
        )

    async def _decide(self, ctx: CallContext, p: Prepared) -> Decision:
        """The strictest decision over the real target and the target as it was named."""
        decision = await self.engine.evaluate(
            self._request(ctx, p, p.resource), self.runner.count_recent
        )
        if ctx.spoken is not None and p.spec.risk != "read" and decision.decision != "deny":
            # Speech is misheard more often than typing is mistyped: a person confirms it.
            heard = " ".join(ctx.spoken.split())[:200]
            reason = f"spoken, heard as \u201c{heard}\u201d: confirm it on the card"
            return Decision(decision="ask", rule="builtin:voice-confirm", reason=reason)
        if p.resolved and ctx.provenance is not None and decision.decision == "allow":
            # The model chose to use a stored secret: a person approves that, always.
            reason = f"uses {len(p.resolved)} stored secret(s); a person must approve that"
            return Decision(decision="ask", rule="builtin:secret-use", reason=reason)
        if p.resource_as_given != p.resource and decision.decision != "deny":
            named = await self.engine.evaluate(
                self._request(ctx, p, p.resource_as_given), self.runner.count_recent
            )
            if STRICTNESS[named.decision] > STRICTNESS[decision.decision]:
                return named
        return decision

    async def check(self, ctx: CallContext, tool: str, raw_args: dict[str, Any]) -> Decision:
        """The policy decision for a call, without running anything."""
        if tool not in self.registry:
            req = PolicyRequest(tool=tool, risk=None, actor=ctx.actor, resource="*")
            return await self.engine.evaluate(req, self.runner.count_recent)
        p = await self.prep.prepare(ctx, tool, raw_args)
        return await self._decide(ctx, p)

    # -- the one entry point ------------------------------------------------------------
    async def invoke(self, ctx: CallContext, tool: str, raw_args: dict[str, Any]) -> ToolOutcome:
        """Run one tool call under the policy; bad input raises BadInput and changes nothing."""
        # Timed and counted for /metrics; an unknown name is not a label (unbounded values).
        with metrics.gate_call(tool if tool in self.registry else "unknown") as call:
            outcome = await self._invoke(ctx, tool, raw_args)
            call.status = outcome.status
        return outcome

    async def _invoke(self, ctx: CallContext, tool: str, raw_args: dict[str, Any]) -> ToolOutcome:
        if ctx.idempotency_key is not None and not KEY_RE.match(ctx.idempotency_key):
            raise BadInput("an idempotency key is 1-150 letters, digits and . _ : -")
        p = await self.prep.prepare(ctx, tool, raw_args)
        invocation = Invocation(
            tool=p.spec.name, args=p.shown, actor=ctx.actor, resource=p.resource
        )
        if p.spec.risk == "read":
            decision = await self._decide(ctx, p)
            if decision.decision == "allow":
                return await self._run_read(ctx, p, invocation, decision)
            return await self._not_now(ctx, p, invocation, decision)
        key = f"key:{ctx.idempotency_key}" if ctx.idempotency_key else f"call:{uuid.uuid4()}"
        async with self._write_lock:
            if ctx.idempotency_key is not None:
                earlier = await self._earlier(ctx.idempotency_key, key, p, invocation)
                if earlier is not None:
                    return earlier
            decision = await self._decide(ctx, p)
            if decision.decision != "deny":  # a refusal is said as such, whatever the state
                unready = await self.prep.precheck(ctx, p, invocation)
                if unready is not None:
                    return unready
            replay = None
            if decision.decision == "allow":
                try:
                    replay = await self.runner.claim(
                        invocation, decision.rule, key, None, self._limit(decision, p)
                    )
                except OverLimit as exc:
                    reason = f"circuit breaker: rule {decision.rule} allows no more right now "
                    reason += f"({exc.done} recent run(s))"
                    decision = Decision(decision="ask", rule=decision.rule, reason=reason)
        if decision.decision != "allow":
            return await self._not_now(ctx, p, invocation, decision)
        if replay is not None:
            return replay
        return await self._run_claimed(p, invocation, decision, key, None)

    def _limit(self, decision: Decision, p: Prepared) -> Limit | None:
        """The allowing rule's rate limit, to be enforced again when the call is claimed."""
        rule = self.engine.rule(decision.rule)
        if rule is None or rule.rate_limit is None:
            return None
        per = rule.rate_limit
        return Limit(
            tools=rule.tools,
            resource=p.resource if per.by == "resource" else None,
            since=self.engine.now() - timedelta(seconds=per.per_seconds),
            max=per.max,
        )

    async def _not_now(
        self, ctx: CallContext, p: Prepared, invocation: Invocation, decision: Decision
    ) -> ToolOutcome:
        common = {"rule": decision.rule, "reason": decision.reason}
        if decision.decision == "deny":
            await audit.record(
                self.db,
                actor=ctx.actor,
                event="denied",
                tool=p.spec.name,
                resource=invocation.resource,
                data={"args": p.shown, **common},
            )
            message = f"{p.spec.name} was denied by rule {decision.rule}: {decision.reason}"
            return ToolOutcome(status="denied", invocation=invocation, message=message, **common)
        diff = await self.prep.preview(ctx, p)
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
            purpose=ctx.purpose,
        )
        if self.on_approval is not None:
            self.on_approval(self.approvals.view(approval))
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

    async def _earlier(
        self, caller_key: str, key: str, p: Prepared, invocation: Invocation
    ) -> ToolOutcome | None:
        """A repeated call with the same key gets what the first one got: run, or asked."""
        row = await self.approvals.by_idempotency_key(caller_key)
        if row is not None:
            if (row.tool, row.args) != (p.spec.name, p.shown):
                raise BadInput(f"idempotency key {caller_key!r} was used for a different call")
            if row.result is not None:
                stored = ToolOutcome.model_validate(row.result)
                return stored.model_copy(update={"replayed": True})
            if row.status in ("rejected", "expired"):  # a person's no, not the rule's
                who = (row.decided_by or "a person").removeprefix("user:")
                why = f"rejected by {who}" if row.status == "rejected" else "nobody answered"
                message = f"this call was {row.status} earlier ({why}); nothing was run"
                return ToolOutcome(
                    status="denied", invocation=invocation, approval_id=row.id, replayed=True,
                    reason=why, message=message,
                )  # fmt: skip
            return self._asked(row, invocation).model_copy(update={"replayed": True})
        if await self.runner.known(key):
            return await self.runner.claim(invocation, "replay", key, None)
        return None

    # -- execution ----------------------------------------------------------------------
    async def _run_read(
        self, ctx: CallContext, p: Prepared, invocation: Invocation, decision: Decision
    ) -> ToolOutcome:
        status, data, message = await call_tool(p.spec, p.args, self.deps)
        shown, shown_message = await self.prep.scrub(data, message, p.resolved)
        entry = {"args": p.shown, "rule": decision.rule, "status": status, "message": shown_message}
        await audit.record(
            self.db,
            actor=ctx.actor,
            event="read",
            tool=p.spec.name,
            resource=invocation.resource,
            data=entry,
        )
        if ctx.provenance is not None and p.spec.untrusted_output:
            # A failure's message can quote the service too (an error page, a log line).
            ctx.provenance.add_untrusted([shown, shown_message])
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
            scrub=lambda data, message: self.prep.scrub(data, message, p.resolved),
        )

    # -- approvals ----------------------------------------------------------------------
    async def decide(
        self, approval_id: str, *, approve: bool, by: str, via: str | None = None
    ) -> ApprovalView:
        """Approve (and execute once) or reject a pending approval; repeats are harmless."""
        row = await self.approvals.decide(approval_id, approve=approve, by=by, via=via)
        self._tell_decided(row)
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
            reason = exc.message if isinstance(exc, BadInput) else "its arguments are invalid"
            _, message = await self.prep.scrub(None, reason, {})
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
            PolicyRequest(
                tool=row.tool,
                risk=row.risk,
                actor=row.actor,
                resource=row.resource,
                host=host_of(row.args),
            ),
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
                stale = await self.runner.close_stale(key, invocation, self.clock() - STALE_AFTER)
                if stale is not None:
                    return await self._finish(row, stale.model_copy(update={"approval_id": row.id}))
                # Another caller is running it right now; it records the result.
                view = self.approvals.view(await self.approvals.get(row.id), replay.message)
                return view
            return await self._finish(row, replay)
        prepared = Prepared(spec, args, row.args, resolved, row.args)
        outcome = await self._run_claimed(prepared, invocation, approved, key, row.id)
        return await self._finish(row, outcome)

    async def _finish(self, row: Approval, outcome: ToolOutcome) -> ApprovalView:
        final = "executed" if outcome.status in ("ok", "no_data") else "failed"
        metrics.count_tool_call(row.tool, "approved" if final == "executed" else "error")
        done = await self.approvals.finish(row.id, final, outcome.model_dump(mode="json"))
        self._tell_decided(done)
        return self.approvals.view(done)

    def _tell_decided(self, row: Approval) -> None:
        if self.on_decided is not None and row.status != "pending":
            self.on_decided(self.approvals.view(row))
