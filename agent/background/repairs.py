"""Repairs: a finding's remedy as one gated call by agent:autonomous, then verified."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from pydantic import BaseModel

from agent.runtime import Runtime
from core.errors import BadInput, NotFound
from memory import runs
from memory.findings import FindingView, begin_repair, end_repair
from memory.models import utcnow
from memory.runs import Trigger
from policies.engine import AUTONOMOUS
from policies.gate import CallContext
from policies.outcome import ToolOutcome
from policies.provenance import Provenance
from tools.checks.base import Check, CheckContext
from tools.checks.runner import run_checks

# Repairs that failed this often in one episode of a finding are left to a person (the
# restart breaker in the policy asks well before that, after 3 starts an hour).
MAX_FAILED_ATTEMPTS = 5
# An answer that ends the episode's repairs: a person said no, the policy forbids it, or the
# question went unanswered (the finding stays open, on the dashboard and in the summary; a new
# episode of it asks again).
FINAL = ("rejected", "denied", "expired", "gave_up")
VERIFY_EVERY_SECONDS = 0.5
SETTLE_SECONDS = 2.0


class RepairAction(BaseModel):
    """What a run did (or asked) about one finding."""

    finding_id: str
    check: str
    resource: str
    tool: str
    args: dict[str, Any]
    run_id: str
    status: str  # ok, error, approval_required, denied, replayed statuses
    verified: bool | None = None
    message: str | None = None
    approval_id: str | None = None


def _next_attempt(finding: FindingView) -> int | None:
    """The attempt to make now (the same one after a crash), or None to leave it be."""
    status = finding.repair_status
    if status is None:
        return 1
    if status in ("started", "approval_required"):
        return finding.repair_attempt  # unfinished or waiting: ask the gate again, same key
    if status in FINAL:
        return None
    if status == "failed" and finding.repair_attempt >= MAX_FAILED_ATTEMPTS:
        return None
    return finding.repair_attempt + 1  # repaired (or failed) and it is back: try again


def _purpose(finding: FindingView) -> str:
    remedy = finding.remedy
    assert remedy is not None
    args = ", ".join(f"{k}={v}" for k, v in remedy.args.items())
    return (
        f"background run found {finding.check} on {finding.resource}: {finding.summary}. "
        f"Proposed repair: {remedy.tool}({args}), because {remedy.why}"
    )


def _provenance(finding: FindingView) -> Provenance:
    """The finding's resource vouches for the repair's target; its evidence (logs, probe
    output) is text someone else controls and never does."""
    prov = Provenance()
    prov.add_typed(finding.resource.split(":", 1)[-1])
    prov.add_untrusted(finding.evidence)
    return prov


def _repair_run_id(finding: FindingView, attempt: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jarvis:repair:{finding.id}:{attempt}"))


async def _verify(rt: Runtime, check: Check, finding: FindingView) -> tuple[bool, str]:
    """Look again with the same check until the problem stays gone for two looks in a row
    (a container that dies a second after its start is not repaired), or time runs out."""
    deadline = time.monotonic() + rt.settings.background.verify_seconds
    clear_since: float | None = None
    last = "no look yet"
    while True:
        outcome = (await run_checks([check], CheckContext(deps=rt.deps, db=rt.db)))[0]
        now = time.monotonic()
        if outcome.status == "error":
            clear_since, last = None, f"could not look again: {outcome.error}"
        else:
            still = [o for o in outcome.observations if o.resource == finding.resource]
            if still:
                clear_since, last = None, still[0].summary
            elif clear_since is None:
                clear_since = now
            elif now - clear_since >= SETTLE_SECONDS:
                return True, f"verified: {check.id} no longer reports {finding.resource}"
        if now >= deadline:
            return False, f"not verified: {last}"
        await asyncio.sleep(VERIFY_EVERY_SECONDS)


async def repair(
    rt: Runtime, finding: FindingView, check: Check, *, parent_id: str, trigger: Trigger
) -> RepairAction | None:
    """Apply the finding's remedy through the gate as agent:autonomous; None if not now."""
    remedy = finding.remedy
    if remedy is None:
        return None
    attempt = _next_attempt(finding)
    if attempt is None:
        return None
    key = f"auto.{finding.id}.{attempt}"
    run_id = _repair_run_id(finding, attempt)
    try:
        await runs.get_run(rt.db, run_id)
    except NotFound:
        options = {"finding": finding.id, "tool": remedy.tool, "attempt": attempt}
        await runs.create_run(
            rt.db,
            kind="repair",
            trigger=trigger,
            actor=AUTONOMOUS,
            options=options,
            parent_id=parent_id,
            run_id=run_id,
        )
    # The pass that owns this repair has the run; a row left running by a crash is taken over.
    await runs.claim_run(rt.db, run_id, worker=f"pass:{parent_id}", stale_before=utcnow())
    await begin_repair(rt.db, finding.id, key, attempt)
    ctx = CallContext(
        actor=AUTONOMOUS,
        run_id=run_id,
        idempotency_key=key,
        provenance=_provenance(finding),
        purpose=_purpose(finding),
    )
    try:
        outcome = await rt.gate.invoke(ctx, remedy.tool, remedy.args)
    except BadInput as exc:
        outcome = None
        message = f"the repair was refused as invalid: {exc.message}"
    action = await _settle(rt, finding, check, remedy.tool, remedy.args, run_id, outcome)
    if outcome is None:
        action.status, action.message = "failed", message
        await end_repair(rt.db, finding.id, status="failed")
    summary = f"{remedy.tool} on {finding.resource}: {action.status}"
    if action.message:
        summary += f" ({action.message})"
    ok = action.status in ("ok", "approval_required") and action.verified is not False
    await runs.record_progress(rt.db, run_id, actions=[action.model_dump(mode="json")])
    await runs.finish_run(rt.db, run_id, status="succeeded" if ok else "failed", summary=summary)
    return action


async def _settle(
    rt: Runtime,
    finding: FindingView,
    check: Check,
    tool: str,
    args: dict[str, Any],
    run_id: str,
    outcome: ToolOutcome | None,
) -> RepairAction:
    """Verify what ran; record what the finding's repair came to."""
    action = RepairAction(
        finding_id=finding.id,
        check=finding.check,
        resource=finding.resource,
        tool=tool,
        args=args,
        run_id=run_id,
        status="failed",
    )
    if outcome is None:
        return action
    action.approval_id = outcome.approval_id
    action.message = outcome.message
    if outcome.status in ("ok", "no_data"):
        action.verified, note = await _verify(rt, check, finding)
        action.status = "ok" if action.verified else "failed"
        action.message = note if not outcome.message else f"{outcome.message}; {note}"
        await end_repair(rt.db, finding.id, status=action.status, approval_id=outcome.approval_id)
    elif outcome.status == "approval_required":
        action.status = "approval_required"
        action.message = outcome.reason or outcome.message
        await end_repair(rt.db, finding.id, status=action.status, approval_id=outcome.approval_id)
    elif outcome.status == "denied":
        final = "denied"
        if outcome.replayed:  # the approval was answered no, or expired unanswered
            final = "expired" if "expired" in (outcome.message or "") else "rejected"
        action.status = final
        await end_repair(rt.db, finding.id, status=final, approval_id=outcome.approval_id)
    else:
        action.status = "failed"
        await end_repair(rt.db, finding.id, status="failed", approval_id=outcome.approval_id)
    return action
