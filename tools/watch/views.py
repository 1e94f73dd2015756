"""What the watch tools answer: findings, runs and one diagnose pass, as the chat shows them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import Field

from memory.findings import FindingView
from memory.runs import RunView
from tools.registry import ToolResult

MAX_EVIDENCE = 4000  # characters of a finding's evidence passed on (log tails can be long)


class RemedyView(ToolResult):
    """The repair a check proposes for a finding."""

    tool: str
    args: dict[str, Any]
    why: str


class FindingRow(ToolResult):
    """One finding: what is wrong with which resource, since when, and what was done about it."""

    id: str
    check: str
    resource: str
    severity: str
    summary: str
    status: str
    count: int = Field(description="How many passes in a row saw it.")
    first_seen: datetime
    last_seen: datetime
    closed_at: datetime | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    remedy: RemedyView | None = None
    repair_status: str | None = Field(
        default=None, description="started, ok, failed, approval_required, denied ... or None."
    )
    repair_attempt: int = 0
    approval_id: str | None = None
    approval_status: str | None = Field(
        default=None, description="The repair's approval: pending, executed, rejected, expired."
    )


class FindingList(ToolResult):
    """Findings, the most severe first, and when the checks last ran."""

    findings: list[FindingRow]
    status: str = Field(description="open, or closed (recently cleared).")
    last_checked: datetime | None = Field(
        default=None, description="When the last diagnose or remediate run finished."
    )


class RepairRow(ToolResult):
    """One repair a run made or asked for."""

    tool: str
    resource: str
    status: str
    approval_id: str | None = None
    message: str | None = None


class RunRow(ToolResult):
    """One run of the background agent (or of checks.run)."""

    id: str
    kind: str
    trigger: str
    status: str
    actor: str
    parent_id: str | None = None
    queued_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    seconds: float | None = None
    summary: str | None = None
    error: str | None = None
    findings: int = 0
    actions: int = 0
    approvals: int = 0
    repairs: list[RepairRow] = Field(default_factory=list)


class RunList(ToolResult):
    """Runs, newest first, within a window."""

    runs: list[RunRow]
    since_hours: int
    kind: str | None = None


class CheckRun(ToolResult):
    """One diagnose pass run now: its run, every check's outcome and the open findings."""

    run_id: str
    status: str
    summary: str
    checks: int
    errors: list[str] = Field(default_factory=list)
    opened: int = 0
    closed: list[str] = Field(default_factory=list, description="Resources cleared by this pass.")
    findings: list[FindingRow]


def _evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(evidence, default=str)
    if len(text) <= MAX_EVIDENCE:
        return evidence
    return {"note": f"evidence of {len(text)} characters left out; see `jarvis runs show`"}


def finding_row(f: FindingView, approval_status: str | None = None) -> FindingRow:
    """A stored finding as the tools show it."""
    remedy = RemedyView(**f.remedy.model_dump()) if f.remedy else None
    return FindingRow(
        id=f.id,
        check=f.check,
        resource=f.resource,
        severity=f.severity,
        summary=f.summary,
        status=f.status,
        count=f.count,
        first_seen=f.first_seen,
        last_seen=f.last_seen,
        closed_at=f.closed_at,
        evidence=_evidence(f.evidence),
        remedy=remedy,
        repair_status=f.repair_status,
        repair_attempt=f.repair_attempt,
        approval_id=f.approval_id,
        approval_status=approval_status,
    )


def _repairs(actions: list[Any]) -> list[RepairRow]:
    # Repair actions name a tool; maintenance steps name a step instead.
    out = []
    for a in actions:
        if isinstance(a, dict) and a.get("tool") and a.get("resource"):
            out.append(
                RepairRow(
                    tool=str(a["tool"]),
                    resource=str(a["resource"]),
                    status=str(a.get("status") or "?"),
                    approval_id=a.get("approval_id"),
                    message=a.get("message"),
                )
            )
    return out


def run_row(r: RunView) -> RunRow:
    """A stored run as the tools show it."""
    return RunRow(
        id=r.id,
        kind=r.kind,
        trigger=r.trigger,
        status=r.status,
        actor=r.actor,
        parent_id=r.parent_id,
        queued_at=r.queued_at,
        started_at=r.started_at,
        finished_at=r.finished_at,
        seconds=r.seconds,
        summary=r.summary,
        error=r.error,
        findings=len(r.findings),
        actions=len(r.actions),
        approvals=len(r.approvals),
        repairs=_repairs(r.actions),
    )
