"""How a background run reads in the terminal: one line, or the line and what it found and did."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memory.runs import RunView


def _when(run: RunView) -> str:
    took = f" {run.seconds:.1f}s" if run.seconds is not None else ""
    return f"{run.queued_at:%Y-%m-%d %H:%M:%S}{took}"


def run_line(run: RunView) -> str:
    """One line: id, kind, trigger, status, timing and the summary."""
    summary = (run.summary or "").replace("\n", " ")
    if len(summary) > 160:
        summary = summary[:157] + "..."
    return f"{run.id}  {run.kind:<11} {run.trigger:<8} {run.status:<9} {_when(run)}  {summary}"


def run_detail(run: RunView) -> str:
    """The line, then the run's findings, actions, approvals and error."""
    lines = [run_line(run)]
    if run.parent_id:
        lines.append(f"  part of run {run.parent_id}")
    for f in run.findings:
        lines.append(f"  finding [{f.get('severity')}] {f.get('resource')}: {f.get('summary')}")
    for a in run.actions:
        what = a.get("tool") or a.get("step")
        target = f" on {a['resource']}" if a.get("resource") else ""
        lines.append(f"  action {what}{target}: {a.get('status')} {a.get('message') or ''}")
    for approval in run.approvals:
        lines.append(f"  approval {approval} (see `jarvis approvals show {approval}`)")
    if run.error:
        lines.append(f"  error: {run.error}")
    return "\n".join(lines)
