"""`jarvis status`: the dashboard in a terminal (host, containers, pending approvals)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from core.paths import INITIAL_PASSWORD_FILE, SQLITE_SIDE_FILES, too_open
from ui.cli.common import default_actor, emit, run_with_runtime, settings_or_exit

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from core.settings import Settings
    from policies.outcome import ToolOutcome


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def uptime_text(seconds: float) -> str:
    """How long something has been up, in the two largest units: "12 min", "5 h 3 min"."""
    minutes = int(seconds) // 60
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    if minutes:
        return f"{mins} min"
    return f"{int(seconds)} s"


def _host(o: ToolOutcome) -> list[str]:
    if o.status != "ok" or o.data is None:
        return [f"host: {o.message}"]
    d = o.data
    mem = d.get("memory", {})
    disk = d.get("root_disk", {})
    load = "/".join(f"{x:.2f}" for x in d.get("load_average", []))
    return [
        f"host {d.get('hostname')}: up {uptime_text(d.get('uptime_seconds', 0))}, "
        f"CPU {d.get('cpu_percent')} % of {d.get('cpu_count_logical')}, load {load}",
        f"memory {_gib(mem.get('used', 0))} of {_gib(mem.get('total', 0))} "
        f"({mem.get('percent')} %), root disk {disk.get('percent')} % used",
    ]


def _containers(o: ToolOutcome) -> list[str]:
    if o.status == "no_data":
        return ["containers: none"]
    if o.status != "ok" or o.data is None:
        return [f"containers: {o.message}"]
    lines = []
    for c in o.data.get("containers", []):
        health = c.get("health") or "none"
        state = c["state"]
        if c.get("exit_code") is not None:
            state = f"{state} ({c['exit_code']})"
        lines.append(f"  {c['name']:<28} {state:<14} health={health:<10} {c.get('image', '')}")
    return ["containers:", *lines]


def private_paths(settings: Settings) -> list[Path]:
    """What Jarvis keeps that nobody else on the machine should read."""
    # Imported here: both pull in database and agent libraries that `--help` does not need.
    from agent.checkpoints import sqlite_checkpoint_path
    from memory.db import sqlite_file

    paths = [settings.data_dir, settings.data_dir / "secret.key"]
    paths += [settings.data_dir / INITIAL_PASSWORD_FILE, settings.resolved_audit_checkpoint_file]
    db = sqlite_file(settings.resolved_database_url)
    if db is not None:
        for main in (db, sqlite_checkpoint_path(settings.resolved_database_url)):
            paths += [main, *(main.with_name(main.name + s) for s in SQLITE_SIDE_FILES)]
    return paths


def status(as_json: bool = typer.Option(False, "--json", help="Print one JSON document.")) -> None:
    """Show the host, the containers and what waits for your approval."""
    # Imported here: the policy stack (SQLAlchemy) is slow to import; `--help` skips it.
    from policies.gate import CallContext

    ctx = CallContext(actor=default_actor())
    # Checked before the runtime opens (and tightens) the files, so an old install hears of it.
    warnings = too_open(private_paths(settings_or_exit()))

    async def go(rt: Runtime) -> dict[str, Any]:
        host = await rt.gate.invoke(ctx, "system.overview", {})
        containers = await rt.gate.invoke(ctx, "docker.list_containers", {})
        pending = [rt.gate.approvals.view(a) for a in await rt.gate.approvals.list("pending")]
        return {"host": host, "containers": containers, "pending": pending}

    out = run_with_runtime(go)
    doc = {
        "host": out["host"].model_dump(mode="json"),
        "containers": out["containers"].model_dump(mode="json"),
        "pending_approvals": [p.model_dump(mode="json") for p in out["pending"]],
        "warnings": warnings,
    }

    def human() -> str:
        lines = _host(out["host"]) + _containers(out["containers"])
        pending = out["pending"]
        lines.append(f"pending approvals: {len(pending)}")
        lines += [f"  {p.id} {p.tool} on {p.resource}" for p in pending]
        if warnings:
            lines.append("warning: data files were open to others (now made private):")
            lines += [f"  {w}" for w in warnings]
        return "\n".join(lines)

    emit(doc, as_json, human)
