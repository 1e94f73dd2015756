"""Props of the approval card: what is asked, why, the diff, and how it ended."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from policies.outcome import ApprovalView
from policies.wording import plain_words
from ui.chat.widgets.base import ACTION_DECIDE, Tone, clip

MAX_DIFF = 20_000  # characters of diff preview
MAX_ARGS = 2000
_RISK_TONE: dict[str, Tone] = {"read": "neutral", "write": "warn", "destructive": "bad"}
_STATUS_TONE: dict[str, Tone] = {
    "pending": "warn",
    "approved": "neutral",
    "executed": "ok",
    "failed": "bad",
    "rejected": "neutral",
    "expired": "neutral",
}


def _result(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The executed call's outcome as a status and one short text."""
    if not result:
        return None
    status = str(result.get("status") or "error")
    data = result.get("data") if isinstance(result.get("data"), dict) else None
    # A workflow's own one-sentence message beats its raw data.
    text = result.get("message") or (data.get("message") if data else None)
    if not text and data and "previous_state" in data and "state" in data:
        text = f"{data.get('name', '')}: {data['previous_state']} → {data['state']}".strip(": ")
    if not text and data:
        text = json.dumps(data, default=str, ensure_ascii=False)
    return {"status": status, "text": clip(str(text or status), 500)}


def approval_card(view: ApprovalView) -> dict[str, Any]:
    """ApprovalCard props from an approval (pending, or decided with its result)."""
    args_text = json.dumps(view.args, indent=2, sort_keys=True, default=str, ensure_ascii=False)
    return {
        **{k: clip(v) for k, v in plain_words(view).items()},
        "widget_id": view.id,
        "approval_id": view.id,
        "tool": view.tool,
        "args": view.args if len(args_text) <= MAX_ARGS else {},
        "args_text": clip(args_text, MAX_ARGS),
        "resource": view.resource,
        "actor": view.actor,
        "risk": view.risk,
        "risk_tone": _RISK_TONE.get(view.risk, "warn"),
        "rule": view.rule,
        "reason": clip(view.reason),
        "purpose": clip(view.purpose) if view.purpose else None,
        "diff": clip(view.diff, MAX_DIFF),
        "status": view.status,
        "status_tone": _STATUS_TONE.get(view.status, "neutral"),
        "created_at": view.created_at.isoformat(),
        "expires_at": view.expires_at.isoformat(),
        "decided_by": view.decided_by,
        "decided_at": view.decided_at.isoformat() if view.decided_at else None,
        "finished_at": view.finished_at.isoformat() if view.finished_at else None,
        "message": clip(view.message),
        "result": _result(view.result),
        "action": ACTION_DECIDE,
    }
