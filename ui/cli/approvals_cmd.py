"""`jarvis approvals`: list, show, approve and reject pending changes."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import typer

from policies.approvals import STATUSES
from policies.outcome import ApprovalView
from ui.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    JSON_OPT,
    actor_or_exit,
    emit,
    fail,
    run_with_runtime,
)

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from agent.turn import TurnResult

app = typer.Typer(help="Changes waiting for your decision.", no_args_is_help=True)


def _line(a: ApprovalView) -> str:
    return f"{a.id}  {a.status:<9} {a.tool} on {a.resource}  (asked by {a.actor}: {a.reason})"


def _detail(a: ApprovalView) -> str:
    lines = [_line(a), f"  args: {a.args}", f"  expires: {a.expires_at:%Y-%m-%d %H:%M:%S} UTC"]
    if a.purpose:
        lines.append(f"  why: {a.purpose}")
    if a.diff:
        lines.append(a.diff)
    if a.result is not None:
        data = a.result.get("data") or {}
        summary = ", ".join(
            f"{k} {data[k]}" for k in ("state", "started_at", "message", "backup") if data.get(k)
        )
        detail = a.result.get("message") or summary
        lines.append(f"  result: {a.result.get('status')}{': ' + detail if detail else ''}")
    if a.message:
        lines.append(f"  {a.message}")
    return "\n".join(lines)


@app.command("list")
def list_approvals(
    status: str = typer.Option(None, "--status", help=f"One of: {', '.join(STATUSES)}"),
    as_json: bool = JSON_OPT,
) -> None:
    """List approvals, newest first."""
    if status is not None and status not in STATUSES:
        fail(f"--status must be one of {', '.join(STATUSES)}", EXIT_BAD_INPUT)

    async def go(rt: Runtime) -> list[ApprovalView]:
        rows = await rt.gate.approvals.list(status)
        return [rt.gate.approvals.view(r) for r in rows]

    views = run_with_runtime(go)
    emit(
        [v.model_dump(mode="json") for v in views],
        as_json,
        lambda: "\n".join(_line(v) for v in views) or "no approvals",
    )


@app.command("show")
def show(approval_id: str, as_json: bool = JSON_OPT) -> None:
    """Show one approval with its diff preview and result."""
    approval_id = _approval_id(approval_id)

    async def go(rt: Runtime) -> ApprovalView:
        return rt.gate.approvals.view(await rt.gate.approvals.get(approval_id))

    view = run_with_runtime(go)
    emit(view.model_dump(mode="json"), as_json, lambda: _detail(view))


def _approval_id(value: str) -> str:
    """An approval id is a UUID; anything else is a typo, said so (exit 2)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        fail(f"{value!r} is not an approval id; `jarvis approvals list` shows them", EXIT_BAD_INPUT)


def _decide(approval_id: str, approve: bool, by: str | None, as_json: bool) -> None:
    decider = actor_or_exit(by, "--by")
    approval_id = _approval_id(approval_id)

    async def go(rt: Runtime) -> tuple[ApprovalView, TurnResult | None]:
        view = await rt.gate.decide(approval_id, approve=approve, by=decider)
        if view.thread_id is None:
            return view, None
        # The conversation that asked goes on here, so its answer is not lost.
        from agent.models import build_model
        from agent.service import Agent

        async with Agent.open(rt, build_model(rt)) as agent:
            return view, await agent.after_decision(view)

    view, resumed = run_with_runtime(go)
    doc = view.model_dump(mode="json")
    doc["conversation"] = resumed.model_dump(mode="json") if resumed else None
    emit(doc, as_json, lambda: _detail(view) + (f"\nJarvis: {resumed.reply}" if resumed else ""))
    wanted = "executed" if approve else "rejected"
    if view.status != wanted:
        raise typer.Exit(EXIT_FAILURE)


@app.command("approve")
def approve(
    approval_id: str,
    by: str = typer.Option(None, "--by", help="Who decides (default: you)"),
    as_json: bool = JSON_OPT,
) -> None:
    """Approve a pending change; it runs at once, exactly once."""
    _decide(approval_id, True, by, as_json)


@app.command("reject")
def reject(
    approval_id: str,
    by: str = typer.Option(None, "--by", help="Who decides (default: you)"),
    as_json: bool = JSON_OPT,
) -> None:
    """Reject a pending change; nothing runs."""
    _decide(approval_id, False, by, as_json)
