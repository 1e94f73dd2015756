"""What each kind of run does: diagnose, remediate, maintenance, summary."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from agent.background.db_backups import backup_databases
from agent.background.offsite import offsite_copy
from agent.background.repairs import RepairAction, repair
from agent.checkpoints import trim_checkpoints
from agent.runtime import Runtime
from core.errors import BadInput, JarvisError
from core.events import Event
from memory import runs
from memory.findings import FindingView, list_findings, trim_findings
from memory.maintenance import compact_store
from memory.models import utcnow
from memory.runs import RunView
from policies.engine import AUTONOMOUS
from policies.gate import CallContext
from tools.checks.base import Check, CheckContext, select_checks
from tools.checks.catalog import all_checks
from tools.checks.runner import DiagnoseReport, diagnose


class PassResult(BaseModel):
    """What a run found and did, and its one-paragraph summary."""

    summary: str
    findings: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    approvals: list[str] = []
    failed: bool = False
    error: str | None = None


def _finding_row(f: FindingView, new: bool) -> dict[str, Any]:
    return {
        "id": f.id,
        "check": f.check,
        "resource": f.resource,
        "severity": f.severity,
        "summary": f.summary,
        "count": f.count,
        "new": new,
    }


def _checks_for(run: RunView) -> list[Check]:
    patterns = run.options.get("checks") or ["*"]
    chosen = select_checks(all_checks(), list(patterns))
    if not chosen:
        raise BadInput(f"no check matches {patterns}; `jarvis diagnose --list-checks` lists them")
    return chosen


async def _diagnose(rt: Runtime, run: RunView) -> tuple[DiagnoseReport, list[Check]]:
    checks = _checks_for(run)
    report = await diagnose(checks, CheckContext(deps=rt.deps, db=rt.db), rt.db, run_id=run.id)
    for f in report.opened:
        rt.events.publish(Event(kind="finding.opened", data=f.model_dump(mode="json")))
    for f in report.closed:
        rt.events.publish(Event(kind="finding.closed", data=f.model_dump(mode="json")))
    return report, checks


def _diagnose_text(report: DiagnoseReport) -> str:
    open_ = report.open
    if open_:
        text = f"{len(open_)} problem(s): " + "; ".join(
            f"{f.resource} {f.summary}" for f in open_[:8]
        )
        if len(open_) > 8:
            text += f"; and {len(open_) - 8} more"
    else:
        text = (
            "no problems found" if any(c.status == "error" for c in report.checks) else "all clear"
        )
    if report.closed:
        text += "; cleared: " + ", ".join(f.resource for f in report.closed[:8])
    errors = [c for c in report.checks if c.status == "error"]
    if errors:
        text += "; could not run: " + ", ".join(f"{c.check} ({c.error})" for c in errors)
    return f"{len(report.checks)} checks, {text}"


def _findings(report: DiagnoseReport) -> list[dict[str, Any]]:
    opened = {f.id for f in report.opened}
    return [_finding_row(f, f.id in opened) for f in report.open]


async def diagnose_pass(rt: Runtime, run: RunView) -> PassResult:
    """Run the checks and record the findings; nothing is changed."""
    report, _ = await _diagnose(rt, run)
    return PassResult(summary=_diagnose_text(report), findings=_findings(report))


def _action_text(a: RepairAction) -> str:
    words = {
        "ok": "repaired",
        "approval_required": "asked approval for",
        "failed": "failed to repair",
        "denied": "was not allowed to repair",
        "rejected": "was told not to repair",
        "expired": "got no answer about",
    }
    return f"{words.get(a.status, a.status)} {a.resource} ({a.tool})"


async def remediate_pass(rt: Runtime, run: RunView) -> PassResult:
    """Diagnose, then repair what policy allows and ask about the rest."""
    report, checks = await _diagnose(rt, run)
    by_id = {c.id: c for c in checks}
    actions: list[RepairAction] = []
    for finding in report.open:
        check = by_id.get(finding.check)
        if check is None or finding.remedy is None:
            continue
        action = await repair(rt, finding, check, parent_id=run.id, trigger=run.trigger)
        if action is not None:
            actions.append(action)
            await runs.record_progress(
                rt.db, run.id, actions=[a.model_dump(mode="json") for a in actions]
            )
    text = _diagnose_text(report)
    if actions:
        text += "; " + "; ".join(_action_text(a) for a in actions)
    return PassResult(
        summary=text,
        findings=_findings(report),
        actions=[a.model_dump(mode="json") for a in actions],
        approvals=[a.approval_id for a in actions if a.approval_id and a.status != "ok"],
        failed=any(a.status == "failed" for a in actions),
    )


async def _step(name: str, work: Callable[[], Awaitable[str]]) -> dict[str, Any]:
    try:
        return {"step": name, "status": "ok", "message": await work()}
    except JarvisError as exc:
        return {"step": name, "status": "failed", "message": exc.message}
    except Exception as exc:
        return {"step": name, "status": "failed", "message": f"{type(exc).__name__}: {exc}"}


async def maintenance_pass(rt: Runtime, run: RunView) -> PassResult:
    """Nightly housekeeping: reclaim Docker space, back up and verify databases, trim, compact."""
    keep = rt.settings.background
    approvals: list[str] = []

    async def reclaim() -> str:
        ctx = CallContext(
            actor=AUTONOMOUS,
            run_id=run.id,
            idempotency_key=f"maint.{run.id}.reclaim",
            purpose="nightly maintenance: reclaim Docker build cache and untagged images",
        )
        outcome = await rt.gate.invoke(ctx, "docker.reclaim_space", {})
        if outcome.approval_id and outcome.status == "approval_required":
            approvals.append(outcome.approval_id)
        return f"{outcome.status}: {outcome.message or outcome.reason or 'done'}"

    async def backups() -> str:
        return await backup_databases(rt, run, approvals)

    async def trim() -> str:
        runs_cut = utcnow() - timedelta(days=keep.keep_runs_days)
        gone = await runs.trim_runs(rt.db, runs_cut)
        closed = await trim_findings(rt.db, runs_cut)
        return f"removed {gone} old run(s) and {closed} closed finding(s)"

    async def checkpoints() -> str:
        cut = utcnow() - timedelta(days=keep.keep_checkpoints_days)
        idle = await trim_checkpoints(rt.settings.resolved_database_url, cut)
        return f"removed the checkpoints of {idle} idle chat thread(s)"

    async def expire() -> str:
        return f"expired {await rt.gate.approvals.expire_due()} unanswered approval(s)"

    async def compact() -> str:
        return await compact_store(rt.settings.resolved_database_url)

    steps = [
        await _step("reclaim_space", reclaim),
        await _step("backup_databases", backups),
        await _step("offsite_copy", lambda: offsite_copy(rt, run, approvals)),
        await _step("trim_history", trim),
        await _step("trim_checkpoints", checkpoints),
        await _step("expire_approvals", expire),
        await _step("compact_store", compact),
    ]
    failed = [s for s in steps if s["status"] == "failed"]
    text = "; ".join(f"{s['step']}: {s['message']}" for s in steps)
    return PassResult(summary=text, actions=steps, approvals=approvals, failed=bool(failed))


async def summary_pass(rt: Runtime, run: RunView) -> PassResult:
    """The daily summary: what ran, what was repaired, what is open, what waits on you."""
    since = utcnow() - timedelta(days=1)
    recent = [r for r in await runs.list_runs(rt.db, since=since, limit=500) if r.id != run.id]
    repairs = [r for r in recent if r.kind == "repair"]
    fixed = [r for r in repairs if any(a.get("status") == "ok" for a in r.actions)]
    asked = [r for r in repairs if any(a.get("status") == "approval_required" for a in r.actions)]
    passes = [r for r in recent if r.parent_id is None]
    failed = [r for r in passes if r.status == "failed"]
    open_ = await list_findings(rt.db, status="open")
    pending = await rt.gate.approvals.list("pending")
    parts = [
        f"last 24 h: {len(passes)} run(s) ({len(failed)} failed), "
        f"{len(fixed)} repair(s) done, {len(asked)} asked about"
    ]
    if fixed:
        parts.append("repaired: " + "; ".join(r.summary or r.id for r in fixed[:10]))
    parts.append(
        f"{len(open_)} open finding(s)"
        + (": " + "; ".join(f"{f.resource} {f.summary}" for f in open_[:10]) if open_ else "")
    )
    parts.append(
        f"{len(pending)} approval(s) waiting"
        + (": " + "; ".join(f"{a.tool} on {a.resource}" for a in pending[:10]) if pending else "")
    )
    return PassResult(
        summary=". ".join(parts),
        findings=[_finding_row(f, False) for f in open_],
        approvals=[a.id for a in pending],
    )


PASSES: dict[str, Callable[[Runtime, RunView], Awaitable[PassResult]]] = {
    "diagnose": diagnose_pass,
    "remediate": remediate_pass,
    "maintenance": maintenance_pass,
    "summary": summary_pass,
}
KINDS = tuple(PASSES)
