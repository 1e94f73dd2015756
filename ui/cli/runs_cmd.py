"""`jarvis runs`, `jarvis diagnose`, `jarvis worker`, `jarvis schedule`: the background agent."""

from __future__ import annotations

import contextlib
from typing import Any

import typer

from agent.background.passes import KINDS
from agent.background.queue import open_background, run_worker
from agent.background.schedule import Scheduler, due_jobs
from agent.background.service import Background
from agent.runtime import Runtime
from memory import runs
from memory.findings import list_findings
from memory.runs import RunView
from tools.checks.catalog import all_checks
from ui.cli.common import EXIT_BAD_INPUT, JSON_OPT, emit, fail, run_with_runtime

app = typer.Typer(help="What the background agent ran, found and did.", no_args_is_help=True)
schedule_app = typer.Typer(help="When the background agent runs what.", no_args_is_help=True)


def _when(run: RunView) -> str:
    took = f" {run.seconds:.1f}s" if run.seconds is not None else ""
    return f"{run.queued_at:%Y-%m-%d %H:%M:%S}{took}"


def _line(run: RunView) -> str:
    summary = (run.summary or "").replace("\n", " ")
    if len(summary) > 160:
        summary = summary[:157] + "..."
    return f"{run.id}  {run.kind:<11} {run.trigger:<8} {run.status:<9} {_when(run)}  {summary}"


def _detail(run: RunView) -> str:
    lines = [_line(run)]
    if run.parent_id:
        lines.append(f"  part of run {run.parent_id}")
    for f in run.findings:
        lines.append(f"  finding [{f.get('severity')}] {f.get('resource')}: {f.get('summary')}")
    for a in run.actions:
        what = a.get("tool") or a.get("step")
        target = f" on {a['resource']}" if a.get("resource") else ""
        lines.append(f"  action {what}{target}: {a.get('status')} {a.get('message') or ''}")
    for approval in run.approvals:
        lines.append(f"  approval {approval} (see `jarvis approvals show {approval}`)")
    if run.error:
        lines.append(f"  error: {run.error}")
    return "\n".join(lines)


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
        lambda: "\n".join(_line(r) for r in found) or "no runs yet",
    )


@app.command("show")
def show_run(
    run_id: str = typer.Argument(..., help="The run's id"), as_json: bool = JSON_OPT
) -> None:
    """Show one run: its findings, actions and approvals."""

    async def go(rt: Runtime) -> RunView:
        return await runs.get_run(rt.db, run_id)

    run = run_with_runtime(go)
    emit(run, as_json, lambda: _detail(run))


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
    emit({"id": run.id, "status": run.status, "summary": run.summary}, as_json, lambda: _line(run))


def diagnose(
    list_checks: bool = typer.Option(False, "--list-checks", help="Only list the checks."),
    as_json: bool = JSON_OPT,
) -> None:
    """Run every check now and print the findings (nothing is changed)."""
    if list_checks:
        infos = [c.info() for c in all_checks()]
        emit(
            {"checks": infos},
            as_json,
            lambda: "\n".join(f"{c['id']:<28} {c['title']}" for c in infos),
        )
        return

    async def go(rt: Runtime) -> dict[str, Any]:
        run = await Background(rt).start("diagnose", trigger="manual")
        found = await list_findings(rt.db, status="open")
        return {
            "run": run.model_dump(mode="json"),
            "findings": [f.model_dump(mode="json") for f in found],
        }

    result = run_with_runtime(go)

    def human() -> str:
        lines = [result["run"]["summary"] or ""]
        for f in result["findings"]:
            lines.append(f"[{f['severity']}] {f['resource']}: {f['summary']} (seen {f['count']}x)")
        return "\n".join(lines)

    emit(result, as_json, human)


def worker(
    once: bool = typer.Option(
        False, "--once", help="One pass of every check and repair, then exit."
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Run the background agent: scheduled passes (embedded) or queue consumer (Redis)."""
    if once:

        async def one(rt: Runtime) -> RunView:
            bg = Background(rt)
            await bg.take_up()
            return await bg.start("remediate", trigger="manual")

        run = run_with_runtime(one)
        emit(run, as_json, lambda: _detail(run))
        return

    async def forever(rt: Runtime) -> None:
        if rt.settings.redis_url:
            await run_worker(rt)
        else:
            await Scheduler(Background(rt)).run_forever()

    with contextlib.suppress(KeyboardInterrupt):
        run_with_runtime(forever)


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
