"""Props of the findings panel (findings.list, checks.run) and the runs panel (runs.list)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.format import clean, inline
from agent.router.watch_text import ago, repair_done, repair_text, resource
from policies.outcome import ApprovalView
from ui.chat.widgets.base import Tone, clip, human_duration, number, outcome_data, outcome_head

MAX_ROWS = 200
TOP = 3  # findings and approvals the dashboard names; the rest are counted
SEVERITIES = ("critical", "warning", "info")
_SEVERITY_TONE: dict[str, Tone] = {"critical": "bad", "warning": "warn", "info": "neutral"}
_REPAIR_TONE: dict[str, Tone] = {
    "ok": "ok",
    "started": "warn",
    "approval_required": "warn",
    "failed": "bad",
    "error": "bad",
    "denied": "bad",
}
_APPROVAL_TONE: dict[str, Tone] = {
    "pending": "warn",
    "approved": "ok",
    "executed": "ok",
    "rejected": "neutral",
    "expired": "neutral",
    "failed": "bad",
}
_RUN_TONE: dict[str, Tone] = {
    "succeeded": "ok",
    "failed": "bad",
    "running": "warn",
    "queued": "neutral",
}


def _text(value: Any, limit: int = 500) -> str | None:
    return None if value is None else clip(str(value), limit)


def _rows(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [r for r in data.get(key) or [] if isinstance(r, Mapping)][:MAX_ROWS]


def _finding(f: Mapping[str, Any]) -> dict[str, Any]:
    severity = str(f.get("severity") or "info")
    count = int(number(f.get("count")) or 1)
    approval = f.get("approval_status")
    repair = f.get("repair_status")
    tone = _APPROVAL_TONE.get(str(approval)) if approval else _REPAIR_TONE.get(str(repair))
    return {
        "id": str(f.get("id") or ""),
        "check": str(f.get("check") or ""),
        "resource": str(f.get("resource") or ""),
        "severity": severity,
        "severity_tone": _SEVERITY_TONE.get(severity, "neutral"),
        "summary": _text(f.get("summary")) or "",
        "count": count,
        "seen_text": (
            f"seen {count} times since {ago(f.get('first_seen'))}"
            if count > 1
            else f"seen {ago(f.get('last_seen'))}"
        ),
        "first_seen": _text(f.get("first_seen"), 64),
        "last_seen": _text(f.get("last_seen"), 64),
        "closed_at": _text(f.get("closed_at"), 64),
        "closed_text": f"cleared {ago(f.get('closed_at'))}" if f.get("closed_at") else None,
        "repair_status": _text(repair, 40),
        "repair_text": _text(repair_text(f), 300),
        "repair_tone": tone or "neutral",
        "approval_id": _text(f.get("approval_id"), 64),
        "approval_status": _text(approval, 40),
    }


def findings_panel(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """FindingsPanel props from a `findings.list` or `checks.run` outcome."""
    data = outcome_data(outcome)
    rows = [_finding(f) for f in _rows(data, "findings")]
    is_run = (outcome.get("invocation") or {}).get("tool") == "checks.run"
    mode = "check" if is_run else "closed" if data.get("status") == "closed" else "open"
    last = data.get("last_checked")
    return {
        **outcome_head(outcome),
        "mode": mode,
        "title": {"check": "Check results", "closed": "Cleared problems"}.get(mode, "Problems"),
        "findings": rows,
        "total": len(rows),
        "counts": {s: sum(1 for r in rows if r["severity"] == s) for s in SEVERITIES},
        "last_checked": _text(last, 64),
        "last_checked_text": f"checked {ago(last)}" if last else None,
        "run_id": _text(data.get("run_id"), 64),
        "checks": int(number(data.get("checks")) or 0),
        "errors": [_text(e, 300) for e in (data.get("errors") or [])[:20]],
        "cleared": [_text(c, 200) for c in (data.get("closed") or [])[:50]],
    }


def _run(r: Mapping[str, Any]) -> dict[str, Any]:
    status = str(r.get("status") or "?")
    repairs = _rows(r, "repairs")
    return {
        "id": str(r.get("id") or ""),
        "kind": str(r.get("kind") or ""),
        "trigger": str(r.get("trigger") or ""),
        "status": status,
        "status_tone": _RUN_TONE.get(status, "neutral"),
        "queued_at": _text(r.get("queued_at"), 64),
        "when_text": ago(r.get("queued_at")),
        "duration_text": human_duration(number(r.get("seconds"))),
        "summary": _text(r.get("summary"), 1000),
        "error": _text(r.get("error"), 500),
        "findings": int(number(r.get("findings")) or 0),
        "actions": int(number(r.get("actions")) or 0),
        "approvals": int(number(r.get("approvals")) or 0),
        "repairs": [
            {
                "text": repair_done(x),
                "tone": _REPAIR_TONE.get(str(x.get("status")), "neutral"),
                "approval_id": _text(x.get("approval_id"), 64),
            }
            for x in repairs
        ],
    }


def runs_panel(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """RunsPanel props from a `runs.list` outcome."""
    data = outcome_data(outcome)
    rows = [_run(r) for r in _rows(data, "runs")]
    hours = int(number(data.get("since_hours")) or 24)
    return {
        **outcome_head(outcome),
        "runs": rows,
        "total": len(rows),
        "failed": sum(1 for r in rows if r["status"] == "failed"),
        "repairs": sum(len(r["repairs"]) for r in rows),
        "since_hours": hours,
        "period_text": f"last {hours // 24} days"
        if hours > 24 and hours % 24 == 0
        else f"last {hours} hours",
    }


def attention_text(findings: Mapping[str, Any], pending: list[ApprovalView]) -> str:
    """The dashboard's lines on open findings and pending approvals: counts and top items."""
    data = outcome_data(findings)
    if not data:
        why = clean(findings.get("message") or "unknown error")
        head = f"Open problems could not be read: {why}."
    else:
        rows = [_finding(f) for f in _rows(data, "findings")]
        last = data.get("last_checked")
        when = f"checked {ago(last)}" if last else "no check has run yet"
        if rows:
            levels = ", ".join(
                f"{n} {s}" for s in SEVERITIES if (n := sum(r["severity"] == s for r in rows))
            )
            top = "; ".join(
                f"{resource(r['resource'])} {clean(r['summary'], 200)}" for r in rows[:TOP]
            )
            more = f"; and {len(rows) - TOP} more" if len(rows) > TOP else ""
            head = f"Open problems: {len(rows)} ({levels}; {when}): {top}{more}."
        else:
            head = f"Open problems: none ({when})."
    if not pending:
        return head + "\nApprovals waiting: none."
    items = "; ".join(
        f"{inline(a.tool)} on {resource(a.resource)}"
        + (f" ({clean(a.purpose, 120)})" if a.purpose else "")
        for a in pending[:TOP]
    )
    more = f"; and {len(pending) - TOP} more" if len(pending) > TOP else ""
    return head + f"\nApprovals waiting: {len(pending)}: {items}{more}."
