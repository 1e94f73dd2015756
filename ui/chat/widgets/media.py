"""Props of the Plex now-playing card, the n8n workflows panel and the Sunshine clients panel.

Titles, workflow names and client names come from those services: they are shown as text
(React escapes it), clipped, and the props say the output was untrusted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.router.plex_text import title
from agent.router.watch_text import ago
from ui.chat.widgets.base import Tone, clip, human_duration, number, outcome_data, outcome_head

MAX_ROWS = 100
_RUN_TONE: dict[str, Tone] = {
    "success": "ok",
    "error": "bad",
    "crashed": "bad",
    "running": "warn",
    "waiting": "warn",
    "canceled": "neutral",
}


def _text(value: Any, limit: int = 200) -> str | None:
    return None if value is None else clip(str(value), limit)


def _rows(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [r for r in data.get(key) or [] if isinstance(r, Mapping)][:MAX_ROWS]


def _session(s: Mapping[str, Any], index: int) -> dict[str, Any]:
    progress = number(s.get("progress_percent"))
    position, duration = number(s.get("position_seconds")), number(s.get("duration_seconds"))
    state = str(s.get("state") or "playing")
    transcode = bool(s.get("transcode"))
    how = "transcoding" if transcode else "direct play"
    decisions = [
        f"{what} {str(d)[:20]}"
        for what, d in (("video", s.get("video_decision")), ("audio", s.get("audio_decision")))
        if d
    ]
    return {
        "key": f"s{index}",
        "title": clip(title(s), 200),
        "kind": _text(s.get("type"), 20),
        "user": _text(s.get("user"), 80) or "someone",
        "player": _text(s.get("player"), 80),
        "product": _text(s.get("product"), 80),
        "state": clip(state, 20),
        "state_tone": "ok" if state == "playing" else "warn",
        "progress": None if progress is None else max(0.0, min(progress, 100.0)),
        "time_text": (
            f"{human_duration(position)} of {human_duration(duration)}"
            if position is not None and duration
            else None
        ),
        "transcode": transcode,
        "stream_text": how + (f": {', '.join(decisions)}" if transcode and decisions else ""),
    }


def plex_now_playing(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """PlexNowPlaying props from plex.now_playing: one row per stream."""
    data = outcome_data(outcome)
    sessions = [_session(s, i) for i, s in enumerate(_rows(data, "sessions"))]
    return {
        **outcome_head(outcome),
        "integration": _text(data.get("integration"), 63),
        "sessions": sessions,
        "total": len(sessions),
        "transcoding": sum(1 for s in sessions if s["transcode"]),
    }


def _last(row: Mapping[str, Any]) -> dict[str, Any] | None:
    last = row.get("last_execution")
    if not isinstance(last, Mapping):
        return None
    status = str(last.get("status") or "unknown")
    when = last.get("started_at") or last.get("stopped_at")
    return {
        "id": _text(last.get("id"), 20),
        "status": clip(status, 20),
        "tone": _RUN_TONE.get(status, "neutral"),
        "when": _text(when, 64),
        "when_text": ago(when),
    }


def n8n_workflows(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """N8nWorkflows props from n8n.list_workflows: each workflow and how it last ran."""
    data = outcome_data(outcome)
    rows: list[dict[str, Any]] = [
        {
            "id": clip(str(r.get("id") or "?"), 64),
            "name": _text(r.get("name"), 120) or "(unnamed)",
            "active": bool(r.get("active")),
            "active_tone": "ok" if r.get("active") else "neutral",
            "tags": [clip(str(t), 40) for t in (r.get("tags") or [])[:8]],
            "updated_text": f"edited {ago(r.get('updated_at'))}" if r.get("updated_at") else None,
            "last": _last(r),
        }
        for r in _rows(data, "workflows")
    ]
    return {
        **outcome_head(outcome),
        "integration": _text(data.get("integration"), 63),
        "workflows": rows,
        "total": len(rows),
        "active": sum(1 for r in rows if r["active"]),
        "failing": sum(1 for r in rows if (r["last"] or {}).get("tone") == "bad"),
    }


def sunshine_clients(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """SunshineClients props from sunshine.clients: the paired Moonlight clients."""
    data = outcome_data(outcome)
    clients = [
        {
            "key": f"c{i}",
            "name": _text(c.get("name"), 80) or "(unnamed)",
            "id": _text(c.get("uuid"), 64),
        }
        for i, c in enumerate(_rows(data, "clients"))
    ]
    return {
        **outcome_head(outcome),
        "integration": _text(data.get("integration"), 63),
        "clients": clients,
        "total": len(clients),
    }


# Tool -> the props of its widget (the element names are in base.WIDGET_FOR_TOOL).
PROPS = {
    "plex.now_playing": plex_now_playing,
    "n8n.list_workflows": n8n_workflows,
    "sunshine.clients": sunshine_clients,
}
