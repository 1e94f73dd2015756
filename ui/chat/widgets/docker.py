"""Props of the container table and the log viewer, and the replies to their buttons."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tools.docker.client import parse_time
from tools.hosts.base import LOCAL
from ui.chat.widgets.base import (
    ACTION_LOGS,
    ACTION_TOOL,
    BUTTON_TOOLS,
    DOMAIN_TOOLS,
    Tone,
    bytes_text,
    clip,
    human_duration,
    number,
    outcome_data,
    outcome_head,
)
from ui.chat.widgets.domains import domain_tool_reply

MAX_CONTAINERS = 500
MAX_LOG_LINES = 500
MAX_LOG_LINE = 2000  # characters of one log line
LOG_POLL_SECONDS = 3
_EXIT_CODE = re.compile(r"^Exited \((-?\d+)\)")
_HEALTH_TONE: dict[str, Tone] = {
    "healthy": "ok",
    "unhealthy": "bad",
    "starting": "warn",
    "none": "neutral",
}
_DONE = {"restart": "restarted", "stop": "stopped", "start": "started"}
_UNCHANGED = {"stop": "already stopped", "start": "already running"}


def _state_tone(state: str, health: str, status: str) -> Tone:
    if state == "running":
        return "bad" if health == "unhealthy" else "warn" if health == "starting" else "ok"
    if state == "exited":
        code = _EXIT_CODE.match(status)
        return "neutral" if code and code.group(1) == "0" else "bad"
    if state == "dead":
        return "bad"
    if state in ("restarting", "paused", "removing"):
        return "warn"
    return "neutral"


def _buttons(state: str) -> list[str]:
    if state == "running":
        return ["logs", "restart", "stop"]
    if state == "restarting":
        return ["logs", "stop"]
    if state in ("exited", "created", "dead"):
        return ["logs", "start"]
    return ["logs"]


def _port(port: Mapping[str, Any]) -> str:
    inside = f"{port.get('container_port')}/{port.get('protocol') or 'tcp'}"
    if port.get("host_port") is None:
        return inside
    host = port.get("host_ip") or "0.0.0.0"  # noqa: S104 - shown, not bound
    return f"{host}:{port['host_port']}→{inside}"


def _stats_data(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A stats result, also when it is given as the outcome that carries it."""
    if value is None:
        return {}
    if "status" in value and "invocation" in value:
        return outcome_data(value)
    return value


def _row(c: Mapping[str, Any], stats: Mapping[str, Any]) -> dict[str, Any]:
    state = str(c.get("state") or "unknown")
    health = str(c.get("health") or "none")
    status = str(c.get("status") or "")
    project, service = c.get("compose_project"), c.get("compose_service")
    used, limit = number(stats.get("memory_usage_bytes")), number(stats.get("memory_limit_bytes"))
    memory = None
    if used is not None:
        memory = bytes_text(used) + (f" / {bytes_text(limit)}" if limit else "")
    return {
        "name": str(c.get("name") or ""),
        "image": str(c.get("image") or ""),
        "state": state,
        "state_tone": _state_tone(state, health, status),
        "status": status,
        "health": health,
        "health_tone": _HEALTH_TONE.get(health, "neutral"),
        "uptime_seconds": c.get("uptime_seconds"),
        "uptime": human_duration(number(c.get("uptime_seconds"))),
        "restart_count": int(c.get("restart_count") or 0),
        "ports": [_port(p) for p in c.get("ports") or []],
        "compose": f"{project}/{service}" if project and service else project,
        "cpu_percent": number(stats.get("cpu_percent")),
        "memory_percent": number(stats.get("memory_percent")),
        "memory": memory,
        "buttons": _buttons(state),
        **_remote(c.get("host")),
    }


def _remote(host: Any) -> dict[str, Any]:
    """A row from another host names it, so its buttons send the host with the container."""
    if not host or host == LOCAL:
        return {}
    return {"host": str(host)}


def container_table(
    outcome: Mapping[str, Any], stats: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """ContainerTable props from a `docker.list_containers` outcome (+ stats by name)."""
    found = outcome_data(outcome).get("containers") or []
    stats = stats or {}
    rows = [_row(c, _stats_data(stats.get(str(c.get("name"))))) for c in found]
    host = outcome_data(outcome).get("host")
    return {
        **outcome_head(outcome),
        "host": str(host) if host and host != LOCAL else None,
        "containers": rows[:MAX_CONTAINERS],
        "total": len(rows),
        "running": sum(1 for r in rows if r["state"] == "running"),
        "unhealthy": sum(1 for r in rows if r["health"] == "unhealthy"),
        "action": ACTION_TOOL,
        "tools": dict(BUTTON_TOOLS),
    }


def tool_reply(outcome: Mapping[str, Any]) -> dict[str, Any]:
    """What a row button shows after its `jarvis_tool` call: status, text and new state."""
    status = str(outcome.get("status") or "error")
    tool = str((outcome.get("invocation") or {}).get("tool") or "")
    if tool in DOMAIN_TOOLS:
        return domain_tool_reply(outcome)
    data = outcome_data(outcome)
    reply: dict[str, Any] = {"status": status, "approval_id": outcome.get("approval_id")}
    if status == "approval_required":
        reply["text"] = "needs approval — see the card below"
    elif status == "denied":
        reply["text"] = f"denied: {outcome.get('reason') or outcome.get('message') or 'by policy'}"
    elif status == "error":
        reply["text"] = f"failed: {outcome.get('message') or 'unknown error'}"
    elif tool == "docker.container_logs":
        reply["text"] = "no log lines" if status == "no_data" else "logs below"
    else:
        action = str(data.get("action") or "")
        unchanged = data.get("changed") is False and action in _UNCHANGED
        reply["text"] = _UNCHANGED[action] if unchanged else _DONE.get(action, "done")
        if "state" in data:
            reply["state"] = str(data["state"])
            reply["buttons"] = _buttons(reply["state"])
    reply["text"] = clip(reply["text"], 300)
    return reply


def _split_timestamp(line: str) -> tuple[datetime | None, str, str]:
    """A line Docker prefixed with its time: (time, raw time, rest); no time: (None, "", line)."""
    head, sep, rest = line.partition(" ")
    when = parse_time(head) if sep and head[:2].isdigit() else None
    return (when, head, rest) if when else (None, "", line)


def _lines(raw: list[Any]) -> list[str]:
    return [clip(str(x), MAX_LOG_LINE) or "" for x in raw[-MAX_LOG_LINES:]]


def log_viewer(outcome: Mapping[str, Any], name: str) -> dict[str, Any]:
    """LogViewer props from a `docker.container_logs` outcome for container `name`."""
    data = outcome_data(outcome)
    raw = list(data.get("lines") or [])
    args = (outcome.get("invocation") or {}).get("args") or {}
    host = data.get("host") or args.get("host")
    return {
        **outcome_head(outcome),
        "name": str(data.get("name") or name),
        # Following polls the same machine the lines came from.
        "host": str(host) if host and host != LOCAL else None,
        "lines": _lines(raw),
        "truncated": bool(data.get("truncated")) or len(raw) > MAX_LOG_LINES,
        "grep": args.get("grep"),
        "since": datetime.now(UTC).isoformat(),
        "action": ACTION_LOGS,
        "poll_seconds": LOG_POLL_SECONDS,
        "max_lines": MAX_LOG_LINES,
    }


def log_lines_reply(outcome: Mapping[str, Any], since: str | None) -> dict[str, Any]:
    """The `jarvis_logs` reply: lines after `since` and the new `since`.

    Meant for a `docker.container_logs` call made with `timestamps=True` and `since`: the
    engine counts `since` in whole seconds, so lines at or before `since` are dropped here and
    the time prefix is taken off. The new `since` is the last line's time (else `since`).
    """
    after = parse_time(since) if since else None
    newest = since
    lines: list[str] = []
    for line in outcome_data(outcome).get("lines") or []:
        when, raw_time, text = _split_timestamp(str(line))
        if when is not None:
            if after is not None and when <= after:
                continue
            newest = raw_time
        lines.append(text)
    status = str(outcome.get("status") or "error")
    return {
        "status": status,
        "lines": _lines(lines),
        "since": newest,
        "message": clip(outcome.get("message")) if status in ("error", "denied") else None,
    }
