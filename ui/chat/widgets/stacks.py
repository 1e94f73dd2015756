"""Props of the Stacks panel: each stack's services with their health, its commit, how far
behind or ahead of its remote it is, and a Deploy button that asks stacks.deploy through the
gate (shown only when a deploy could run: behind, not diverged, no files changed by hand).

Names, branches and commit subjects are someone else's text: the element renders them as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ui.chat.widgets.base import ACTION_TOOL, Tone, clip, outcome_data, outcome_head

MAX_STACKS = 50
_HEALTH_TONES: dict[str, Tone] = {
    "healthy": "ok",
    "completed": "ok",
    "running": "neutral",
    "starting": "neutral",
    "unhealthy": "bad",
    "exited": "bad",
    "missing": "warn",
}


def _tone(stack: Mapping[str, Any]) -> Tone:
    if stack.get("diverged") or stack.get("dirty_files"):
        return "warn"
    return "warn" if int(stack.get("behind") or 0) else "ok"


def _deploy(stack: Mapping[str, Any]) -> dict[str, Any] | None:
    """The button's call, when a deploy could run."""
    if not int(stack.get("behind") or 0) or stack.get("diverged") or stack.get("dirty_files"):
        return None
    return {"label": "Deploy", "tool": "stacks.deploy", "args": {"name": str(stack["name"])}}


def _service(s: Mapping[str, Any]) -> dict[str, Any]:
    health = str(s.get("health") or "missing")
    return {
        "service": clip(str(s.get("service") or "?"), 80),
        "health": health,
        "tone": _HEALTH_TONES.get(health, "neutral"),
    }


def _stack(stack: Mapping[str, Any]) -> dict[str, Any]:
    services = [s for s in stack.get("services") or [] if isinstance(s, Mapping)]
    return {
        "name": str(stack.get("name")),
        "commit": str(stack.get("commit") or "")[:12],
        "branch": clip(stack.get("branch"), 80),
        "git_status": clip(str(stack.get("git_status") or ""), 120),
        "git_tone": _tone(stack),
        "behind": int(stack.get("behind") or 0),
        "ahead": int(stack.get("ahead") or 0),
        "status": str(stack.get("status") or "stopped"),
        "services": [_service(s) for s in services],
        "healthy": sum(1 for s in services if s.get("health") == "healthy"),
        "last_deploy": clip(stack.get("last_deploy"), 300),
        "deploy": _deploy(stack),
    }


def stacks_panel(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """Props for stacks.list."""
    data = outcome_data(outcome)
    rows = [s for s in data.get("stacks") or [] if isinstance(s, Mapping) and s.get("name")]
    return {
        **outcome_head(outcome),
        "action": ACTION_TOOL,
        "root": clip(data.get("root"), 300),
        "stacks": [_stack(s) for s in rows[:MAX_STACKS]],
        "more": max(len(rows) - MAX_STACKS, 0),
    }
