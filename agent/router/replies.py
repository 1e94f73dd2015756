"""Replies from templates: every reply says what was done, asked for, refused or failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from agent.router import (
    db_text,
    docker_text,
    domain_text,
    ha_text,
    n8n_text,
    plex_text,
    stack_text,
    sunshine_text,
    system_text,
    watch_text,
)
from agent.router.format import clean, inline, names, token
from agent.router.types import PlannedCall

Data = dict[str, Any]
Summary = Callable[[Data, Data], str]
HEALTH_CHECK = {"docker.list_containers", "system.overview", "system.disks"}

_SUMMARIES: dict[str, Summary] = {
    "docker.list_containers": docker_text.containers,
    "docker.inspect_container": docker_text.inspect,
    "docker.container_logs": docker_text.logs,
    "docker.container_stats": docker_text.stats,
    "docker.start_container": docker_text.lifecycle,
    "docker.stop_container": docker_text.lifecycle,
    "docker.restart_container": docker_text.lifecycle,
    "docker.remove_container": docker_text.removed,
    "docker.prune": docker_text.pruned,
    "docker.list_images": docker_text.images,
    "docker.disk_usage": docker_text.disk_usage,
    "docker.list_compose_projects": docker_text.compose,
    "system.overview": system_text.overview,
    "system.disks": system_text.disks,
    "system.memory": system_text.memory,
    "system.top_processes": system_text.top_processes,
    "system.network": system_text.network,
    **domain_text.SUMMARIES,
    **watch_text.SUMMARIES,
    **db_text.SUMMARIES,
    **ha_text.SUMMARIES,
    **plex_text.SUMMARIES,
    **n8n_text.SUMMARIES,
    **sunshine_text.SUMMARIES,
    **stack_text.SUMMARIES,
}
_EMPTY: dict[str, Summary] = {
    "docker.list_containers": lambda a, d: (
        "No containers are running." if a.get("all") is False else "There are no containers."
    ),
    "docker.container_logs": docker_text.logs_empty,
    "docker.list_images": lambda a, d: "There are no images.",
    "docker.list_compose_projects": lambda a, d: "No Docker Compose projects were found.",
    **domain_text.EMPTY,
    **db_text.EMPTY,
    **ha_text.EMPTY,
    **plex_text.EMPTY,
    **n8n_text.EMPTY,
    **sunshine_text.EMPTY,
    **stack_text.EMPTY,
}
_GERUNDS = {
    "docker.start_container": "starting {name}",
    "docker.stop_container": "stopping {name}",
    "docker.restart_container": "restarting {name}",
    "docker.remove_container": "removing container {name}",
    "docker.inspect_container": "inspecting {name}",
    "docker.container_logs": "reading the logs of {name}",
    "docker.container_stats": "reading the resource use of {name}",
    "docker.list_containers": "listing containers",
    "docker.list_images": "listing images",
    "docker.disk_usage": "reading Docker's disk use",
    "docker.list_compose_projects": "listing Compose projects",
    "system.overview": "reading the host overview",
    "system.disks": "reading the disks",
    "system.memory": "reading memory use",
    "system.top_processes": "listing the top processes",
    "system.network": "reading the network interfaces",
}


def describe(call: PlannedCall) -> str:
    """What a call does, as a gerund phrase: "restarting plex", "pruning images"."""
    if call.tool == "docker.prune":
        kinds = [str(k).replace("_", " ") for k in call.args.get("what") or []]
        return "pruning unused " + (", ".join(kinds) or "Docker objects")
    if (domain := domain_text.describe(call)) is not None:
        return domain
    if (watch := watch_text.describe(call)) is not None:
        return watch
    for said in (
        plex_text.describe,
        n8n_text.describe,
        sunshine_text.describe,
        ha_text.describe,
        stack_text.describe,
    ):
        if (what := said(call)) is not None:
            return what
    if (db := db_text.describe(call)) is not None:
        return db
    template = _GERUNDS.get(call.tool, "running " + token(call.tool))
    return template.format(name=token(call.args.get("name", "?")))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _reason(outcome: Data) -> str:
    return clean(outcome.get("reason") or outcome.get("message") or "no reason given", 300)


def render_one(call: PlannedCall, outcome: Data) -> str:
    """The reply for one call and its outcome."""
    status = str(outcome.get("status") or "error")
    what = describe(call)
    if status == "approval_required":
        approval = clean(outcome.get("approval_id") or "?", 80)
        return (
            f"{_cap(what)} needs your approval ({_reason(outcome)}). Approve it on the card or "
            f"with `jarvis approvals approve {approval}`."
        )
    if status == "denied":
        rule = outcome.get("rule")
        if rule:
            return f"{_cap(what)} was not done. Denied by rule {token(rule)}: {_reason(outcome)}"
        return f"{_cap(what)} was not done: {_reason(outcome)}."
    if status == "error":
        message = outcome.get("message") or "no details"
        return f"{_cap(what)} failed: {inline(message)}"
    raw = outcome.get("data")
    data: Data = raw if isinstance(raw, dict) else {}
    table = _EMPTY if status == "no_data" else _SUMMARIES
    summary = table.get(call.tool)
    if summary is None:
        return f"{_cap(what)}: nothing found." if status == "no_data" else f"Done: {what}."
    try:
        return summary(dict(call.args), data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return f"Done: {what} (its result could not be summarised)."


def _health(results: Sequence[tuple[PlannedCall, Data]]) -> str | None:
    """The health check reply: problems first, then the summaries."""
    ok = {c.tool: o.get("data") or {} for c, o in results if o.get("status") == "ok"}
    if not {c.tool for c, _ in results} >= HEALTH_CHECK or not ok:
        return None
    found: list[str] = []
    stopped_cleanly: list[str] = []
    for c in (ok.get("docker.list_containers") or {}).get("containers") or []:
        name, state = token(c.get("name")), str(c.get("state") or "")
        code = docker_text.exit_code(c)
        if state in ("exited", "dead") and code == 0:
            stopped_cleanly.append(str(c.get("name")))
        elif state in ("exited", "dead"):
            found.append(f"{name} {state}" + (f" with code {code}" if code is not None else ""))
        elif state == "restarting":
            found.append(f"{name} is restarting ({c.get('restart_count', 0)} restarts)")
        elif c.get("health") == "unhealthy":
            found.append(f"{name} is unhealthy")
        elif int(c.get("restart_count") or 0) >= docker_text.RESTART_LOOP:
            found.append(f"{name} has restarted {c.get('restart_count')} times")
    if "system.disks" in ok:
        found += system_text.full_mounts(ok["system.disks"])
    if "system.overview" in ok:
        found += system_text.problems(ok["system.overview"])
    if found:
        head = f"Health check: {len(found)} problem{'s' if len(found) > 1 else ''} found.\n"
        head += "\n".join(f"- {p}." for p in found)
    else:
        head = "Health check: nothing looks wrong."
    if stopped_cleanly:
        head += f"\nStopped cleanly (exit code 0): {names(stopped_cleanly)}."
    rest = [
        render_one(c, o) for c, o in results if o.get("status") != "ok" or c.tool != "system.disks"
    ]
    return head + "\n\n" + "\n\n".join(rest)


def render_reply(results: Sequence[tuple[PlannedCall, Data]]) -> str:
    """One reply for the calls of a turn and their outcomes (as `read_outcome` gives them)."""
    if not results:
        return "Nothing was run."
    health = _health(results)
    if health is not None:
        return health
    return "\n\n".join(render_one(call, outcome) for call, outcome in results)
