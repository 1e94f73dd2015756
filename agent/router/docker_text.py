"""Summaries of the Docker tools' results, in a few lines each."""

from __future__ import annotations

import re
from typing import Any

from agent.router.format import code_block, inline, names, percent, token
from agent.router.format import when as at
from agent.router.logopts import ERRORS, WARNINGS
from core.units import size

Data = dict[str, Any]
SHOWN_LOG_LINES = 15
RESTART_LOOP = 5
_EXIT = re.compile(r"exited \((-?\d+)\)", re.IGNORECASE)


def exit_code(container: Data) -> int | None:
    """The exit code in a list row's status ("Exited (1) 2 hours ago")."""
    m = _EXIT.search(str(container.get("status") or ""))
    return int(m.group(1)) if m else None


def stopped_note(c: Data) -> str:
    """ "plex-db exited 1", "tmp created (never started)" and the like."""
    state = str(c.get("state") or "unknown")
    name = token(c.get("name"))
    if state == "exited":
        code = exit_code(c)
        return f"{name} exited {code}" if code is not None else f"{name} exited"
    if state == "created":
        return f"{name} created, never started"
    return f"{name} {token(state)}"


def containers(args: Data, data: Data) -> str:
    """docker.list_containers: counts, what is stopped, unhealthy or restarting."""
    items: list[Data] = data.get("containers") or []
    if args.get("all") is False:
        return f"{len(items)} running containers: {names(c.get('name') for c in items)}."
    running = [c for c in items if c.get("state") == "running"]
    stopped = [c for c in items if c.get("state") != "running"]
    head = f"{len(items)} containers: {len(running)} running, {len(stopped)} stopped"
    if stopped:
        notes = ", ".join(stopped_note(c) for c in stopped[:8])
        head += f" ({notes}{' …' if len(stopped) > 8 else ''})"
    lines = [head + "."]
    unhealthy = [c.get("name") for c in items if c.get("health") == "unhealthy"]
    if unhealthy:
        lines.append(f"Unhealthy: {names(unhealthy)}.")
    looping = [
        f"{token(c.get('name'))} ({c.get('restart_count', 0)} restarts)"
        for c in items
        if c.get("state") == "restarting" or int(c.get("restart_count") or 0) >= RESTART_LOOP
    ]
    if looping:
        lines.append(f"Restarting often: {', '.join(looping)}.")
    if running:
        lines.append(f"Running: {names((c.get('name') for c in running), 20)}.")
    return "\n".join(lines)


def inspect(args: Data, data: Data) -> str:
    """docker.inspect_container: state, image, ports, mounts, networks (no env values)."""
    state: Data = data.get("state") or {}
    name = token(data.get("name") or args.get("name"))
    status = str(state.get("status") or "unknown")
    words = [f"{name} (image {token(data.get('image'))}) is {token(status)}"]
    if state.get("health") not in (None, "none"):
        words.append(token(state.get("health")))
    if state.get("running") and state.get("started_at"):
        words.append(f"up since {at(state.get('started_at'))}")
    elif status in ("exited", "dead"):
        words.append(f"exit code {state.get('exit_code', '?')} at {at(state.get('finished_at'))}")
    lines = [", ".join(words) + "."]
    policy = (data.get("restart_policy") or {}).get("name") or "no"
    lines.append(f"Restarted {data.get('restart_count', 0)} times; restart policy {token(policy)}.")
    if state.get("oom_killed"):
        lines.append("It was killed for running out of memory (OOM).")
    if state.get("error"):
        lines.append(f"Engine error: {inline(state.get('error'))}.")
    if int(state.get("failing_streak") or 0):
        lines.append(f"Health check failed {state.get('failing_streak')} times in a row.")
    ports = [_port(p) for p in data.get("ports") or []]
    if ports:
        lines.append(f"Ports: {', '.join(ports[:10])}.")
    mounts = [
        f"{token(m.get('source') or m.get('name'))} → {token(m.get('destination'))}"
        + ("" if m.get("read_write", True) else " (read-only)")
        for m in data.get("mounts") or []
    ]
    if mounts:
        lines.append(f"Mounts: {', '.join(mounts[:10])}.")
    nets = [
        f"{token(n.get('network'))}"
        + (f" ({token(n['ip_address'])})" if n.get("ip_address") else "")
        for n in data.get("networks") or []
    ]
    if nets:
        lines.append(f"Networks: {', '.join(nets)}.")
    env = data.get("env") or {}
    if env:
        lines.append(f"Environment: {len(env)} variables (values hidden).")
    return "\n".join(lines)


def _port(p: Data) -> str:
    inside = f"{p.get('container_port')}/{token(p.get('protocol') or 'tcp')}"
    if p.get("host_port"):
        host = f"{token(p['host_ip'])}:" if p.get("host_ip") else ""
        return f"{host}{p['host_port']} → {inside}"
    return inside


def _filter_words(grep: str | None) -> str:
    if grep == ERRORS:
        return "error lines"
    if grep == WARNINGS:
        return "warnings"
    return f"lines matching {inline(grep)}"


def logs(args: Data, data: Data) -> str:
    """docker.container_logs: how many lines, and the last few as a code block."""
    lines: list[str] = [str(x) for x in data.get("lines") or []]
    name = token(data.get("name") or args.get("name"))
    since = f" since {token(args['since'])} ago" if args.get("since") else ""
    if args.get("grep"):
        head = (
            f"{len(lines)} {_filter_words(args.get('grep'))} in {name}'s log{since} "
            f"(searched the last {data.get('searched_lines', '?')} lines)"
        )
    else:
        head = f"The last {len(lines)} lines of {name}'s log{since}"
    shown = lines[-SHOWN_LOG_LINES:]
    if len(shown) < len(lines):
        head += f"; the last {len(shown)} of them"
    note = "Log text is the container's own output, shown as data."
    return f"{head}:\n{code_block(shown)}\n{note}"


def logs_empty(args: Data, data: Data) -> str:
    """docker.container_logs with nothing to show."""
    name = token(args.get("name"))
    since = f" since {token(args['since'])} ago" if args.get("since") else ""
    if args.get("grep"):
        return f"No {_filter_words(args.get('grep'))} in {name}'s log{since}."
    return f"{name}'s log has no lines{since}."


def stats(args: Data, data: Data) -> str:
    """docker.container_stats: CPU, memory, network, disk and processes."""
    name = token(data.get("name") or args.get("name"))
    text = (
        f"{name}: CPU {percent(data.get('cpu_percent'))} (100% = one of "
        f"{data.get('online_cpus', '?')} CPUs), memory {size(data.get('memory_usage_bytes'))} of "
        f"{size(data.get('memory_limit_bytes'))} ({percent(data.get('memory_percent'))}), "
        f"network in {size(data.get('net_rx_bytes'))} / out {size(data.get('net_tx_bytes'))}, "
        f"disk read {size(data.get('block_read_bytes'))} / written "
        f"{size(data.get('block_write_bytes'))}"
    )
    if data.get("pids") is not None:
        text += f", {data['pids']} processes"
    return text + "."


def lifecycle(args: Data, data: Data) -> str:
    """docker.start/stop/restart_container: what changed."""
    name = token(data.get("name") or args.get("name"))
    action, state = str(data.get("action") or ""), str(data.get("state") or "unknown")
    running, changed = bool(data.get("running")), bool(data.get("changed"))
    if state == "removed":
        return f"Stopped {name}; Docker then removed it (it was started with auto-remove)."
    if action == "stop":
        if not changed:
            return f"{name} was already stopped; nothing changed."
        return f"Stopped {name} (exit code {data.get('exit_code', 0)})."
    verb = "Restarted" if action == "restart" else "Started"
    if action == "start" and not changed and running:
        return f"{name} was already running; nothing changed."
    if not running:
        return (
            f"{verb} {name}, but it is not running now ({token(state)}, exit code "
            f"{data.get('exit_code', '?')}). Its logs may say why."
        )
    since = f", running since {at(data['started_at'])}" if data.get("started_at") else ""
    return f"{verb} {name}{since}."


def removed(args: Data, data: Data) -> str:
    """docker.remove_container."""
    name = token(data.get("name") or args.get("name"))
    extra = " (it was running: forced)" if data.get("was_running") else ""
    vols = " and its anonymous volumes" if data.get("volumes_removed") else ""
    return f"Removed container {name}{vols} (image {token(data.get('image'))}){extra}."


def pruned(args: Data, data: Data) -> str:
    """docker.prune: what went, and the space it freed."""
    results: list[Data] = data.get("results") or []
    if not int(data.get("count") or 0):
        kinds = ", ".join(str(k).replace("_", " ") for k in args.get("what") or [])
        return f"Nothing to prune: no unused {kinds}."
    parts = [f"{r.get('kind', '?')} {r.get('count', 0)}".replace("_", " ") for r in results]
    return (
        f"Pruned {data.get('count')} objects ({', '.join(parts)}) and reclaimed "
        f"{size(data.get('space_reclaimed_bytes'))}."
    )


def images(args: Data, data: Data) -> str:
    """docker.list_images: count, total size, the largest."""
    items: list[Data] = data.get("images") or []
    dangling = sum(1 for i in items if i.get("dangling"))
    head = f"{len(items)} images, {size(data.get('total_size_bytes'))} in total"
    head += f"; {dangling} dangling (untagged)" if dangling else ""
    largest = [
        f"{token((i.get('tags') or [i.get('id')])[0])} {size(i.get('size_bytes'))}"
        + ("" if i.get("containers") else " (unused)")
        for i in items[:6]
    ]
    return head + (f". Largest: {', '.join(largest)}." if largest else ".")


def disk_usage(args: Data, data: Data) -> str:
    """docker.disk_usage: space per kind, what a prune would free, the largest objects."""
    cats = [("images", "images"), ("containers", "containers"), ("volumes", "volumes")]
    cats.append(("build_cache", "build cache"))
    parts = [
        f"{label} {size((data.get(key) or {}).get('size_bytes'))}"
        f" ({(data.get(key) or {}).get('count', 0)})"
        for key, label in cats
    ]
    text = (
        f"Docker uses {size(data.get('total_size_bytes'))}: {', '.join(parts)}; "
        f"{size(data.get('total_reclaimable_bytes'))} could be reclaimed by a prune."
    )
    largest = [
        f"{d.get('kind')} {token(d.get('name'))} {size(d.get('size_bytes'))}"
        for d in (data.get("largest") or [])[:5]
        if int(d.get("size_bytes") or 0) > 0
    ]
    return text + (f"\nLargest: {', '.join(largest)}." if largest else "")


def compose(args: Data, data: Data) -> str:
    """docker.list_compose_projects: each project's state and what is down."""
    projects: list[Data] = data.get("projects") or []
    rows = []
    for p in projects:
        members = [c for s in p.get("services") or [] for c in s.get("containers") or []]
        down = [c.get("name") for c in members if c.get("state") != "running"]
        up = len(members) - len(down)
        row = f"- {token(p.get('name'))}: {token(p.get('status'))}, {up}/{len(members)} running"
        rows.append(row + (f" (down: {names(down, 6)})" if down else ""))
    return f"{len(projects)} Compose projects:\n" + "\n".join(rows)
