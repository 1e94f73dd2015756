"""Replies about n8n: the workflows by name with how they last ran, executions, failures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.format import clean, inline
from agent.router.types import PlannedCall
from agent.router.watch_text import ago

Data = dict[str, Any]
SHOWN = 15


def describe(call: PlannedCall) -> str | None:
    """What an n8n call does, as a gerund phrase; None for other tools."""
    if call.tool == "n8n.list_workflows":
        return "listing the n8n workflows"
    if call.tool == "n8n.executions":
        failed = call.args.get("status") == "error"
        return "reading the failed n8n executions" if failed else "reading the n8n executions"
    if call.tool in ("n8n.activate", "n8n.deactivate"):
        verb = "activating" if call.tool == "n8n.activate" else "deactivating"
        return f"{verb} the n8n workflow {inline(call.args.get('workflow', '?'), 80)}"
    if call.tool == "n8n.run_webhook":
        return f"running the n8n webhook {inline(call.args.get('path', '?'), 120)}"
    return None


def _rows(data: Data, key: str) -> list[Mapping[str, Any]]:
    return [r for r in data.get(key) or [] if isinstance(r, Mapping)]


def _last(row: Mapping[str, Any]) -> str:
    last = row.get("last_execution")
    if not isinstance(last, Mapping):
        return "no recent run"
    when = last.get("started_at") or last.get("stopped_at")
    return f"last run {clean(last.get('status') or '?', 20)} {ago(when)}"


def workflows(args: Data, data: Data) -> str:
    """n8n.list_workflows: every workflow by name, active or not, and its last run."""
    rows = _rows(data, "workflows")
    active = sum(1 for r in rows if r.get("active"))
    lines = [
        f"- {inline(r.get('name'), 120)} — {'active' if r.get('active') else 'inactive'}, "
        f"{_last(r)}."
        for r in rows[:SHOWN]
    ]
    if len(rows) > SHOWN:
        lines.append(f"- and {len(rows) - SHOWN} more.")
    head = f"n8n has {len(rows)} workflow{'' if len(rows) == 1 else 's'} ({active} active):"
    return head + "\n" + "\n".join(lines)


def _span(args: Data) -> str:
    hours = args.get("since_hours")
    if not isinstance(hours, int | float):
        return ""
    return " in the last day" if hours == 24 else f" in the last {hours:g} hours"


def executions(args: Data, data: Data) -> str:
    """n8n.executions: each execution with its workflow; failures counted first."""
    rows = _rows(data, "executions")
    lines = [
        f"- {inline(r.get('workflow') or r.get('workflow_id') or '?', 120)} — "
        f"{clean(r.get('status') or '?', 20)} {ago(r.get('started_at') or r.get('stopped_at'))}"
        f" (execution {clean(r.get('id'), 20)})."
        for r in rows[:SHOWN]
    ]
    if len(rows) > SHOWN:
        lines.append(f"- and {len(rows) - SHOWN} more.")
    if args.get("status") == "error":
        names = {str(r.get("workflow") or r.get("workflow_id")) for r in rows}
        head = (
            f"Yes: {len(rows)} failed n8n execution{'' if len(rows) == 1 else 's'}{_span(args)}"
            f" in {len(names)} workflow{'' if len(names) == 1 else 's'}:"
        )
    else:
        head = f"The latest n8n executions{_span(args)}:"
    return head + "\n" + "\n".join(lines)


def _no_executions(args: Data, data: Data) -> str:
    if args.get("status") == "error":
        return f"No n8n workflow failed{_span(args) or ' recently'}."
    return f"n8n ran nothing{_span(args) or ' recently'}."


def toggled(args: Data, data: Data) -> str:
    """n8n.activate / n8n.deactivate: the workflow's state now."""
    state = "active" if data.get("active") else "inactive"
    return f"The n8n workflow {inline(data.get('name'), 120)} is now {state}."


def webhook(args: Data, data: Data) -> str:
    """n8n.run_webhook: the status and the start of what the workflow answered."""
    reply = clean(data.get("reply") or "", 200)
    said = f": {inline(reply, 200)}" if reply else "."
    return (
        f"The n8n webhook {inline(data.get('path'), 120)} answered HTTP "
        f"{clean(data.get('status_code'), 5)}{said}"
    )


SUMMARIES = {
    "n8n.list_workflows": workflows,
    "n8n.executions": executions,
    "n8n.activate": toggled,
    "n8n.deactivate": toggled,
    "n8n.run_webhook": webhook,
}
EMPTY = {
    "n8n.list_workflows": lambda a, d: "n8n has no workflows.",
    "n8n.executions": _no_executions,
}
