"""`jarvis runs` and `jarvis schedule`: what the background agent ran, and when it runs what."""

from __future__ import annotations

from typing import Any

import typer

from agent.background.passes import KINDS
from agent.background.queue import open_background
from agent.background.schedule import due_jobs
from agent.background.service import Background
from agent.runtime import Runtime
from memory import runs
from memory.runs import RunView
from ui.cli.common import EXIT_BAD_INPUT, JSON_OPT, emit, fail, run_with_runtime
from ui.cli.run_text import run_detail, run_line

app = typer.Typer(help="What the background agent ran, found and did.", no_args_is_help=True)
schedule_app = typer.Typer(help="When the background agent runs what.", no_args_is_help=True)


@app.command("list")
def list_runs(
    kind: str = typer.Option(None, "--kind", help=f"Only one kind: {', '.join(KINDS)}, repair"),
    limit: int = typer.Option(30, "--limit", min=1, max=1000),
    as_json: bool = JSON_OPT,
) -> None:
    """List runs, newest first: kind, trigger, status, timing and what each found or did."""

    async def go(rt: Runtime) -> list[RunView]:
        return await runs.list_runs(rt.db, kind=kind, limit=limit)

    found = run_with_runtime(go)
    emit(
        [r.model_dump(mode="json") for r in found],
        as_json,
        lambda: "\n".join(run_line(r) for r in found) or "no runs yet",
    )


@app.command("show")
def show_run(
    run_id: str = typer.Argument(..., help="The run's id"), as_json: bool = JSON_OPT
) -> None:
    """Show one run: its findings, actions and approvals."""

    async def go(rt: Runtime) -> RunView:
        return await runs.get_run(rt.db, run_id)

    run = run_with_runtime(go)
    emit(run, as_json, lambda: run_detail(run))


@app.command("start")
def start_run(
    kind: str = typer.Argument(..., help=f"One of: {', '.join(KINDS)}"),
    checks: list[str] = typer.Option(None, "--check", help="Only these checks (ids or globs)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Start a run now: done here (embedded), or queued for a worker with JARVIS_REDIS_URL."""
    if kind not in KINDS:
        fail(f"unknown run kind {kind!r}; kinds: {', '.join(KINDS)}", EXIT_BAD_INPUT)
    options: dict[str, Any] = {"checks": checks} if checks else {}

    async def go(rt: Runtime) -> RunView:
        async with open_background(rt) as bg:
            return await bg.start(kind, trigger="manual", options=options)

    run = run_with_runtime(go)
    emit(
        {"id": run.id, "status": run.status, "summary": run.summary}, as_json, lambda: run_line(run)
    )


@schedule_app.command("show")
def show_schedule(as_json: bool = JSON_OPT) -> None:
    """The schedule (settings `background.schedule` in jarvis.toml) and when each job is due."""

    async def go(rt: Runtime) -> list[dict[str, Any]]:
        jobs = await due_jobs(Background(rt))
        return [
            {
                **j.entry.model_dump(mode="json"),
                "last_run": j.last.isoformat() if j.last else None,
                "next_run": j.next.isoformat(),
            }
            for j in jobs
        ]

    jobs = run_with_runtime(go)

    def human() -> str:
        out = []
        for j in jobs:
            when = f"every {j['every_seconds']} s"
            if not j["every_seconds"]:
                when = f"daily at {j['at']} {j['tz']}"
            checks = ",".join(j["checks"])
            out.append(f"{j['name']:<12} {j['kind']:<11} {when:<22} next {j['next_run']}  {checks}")
        return "\n".join(out)

    emit({"schedule": jobs}, as_json, human)
