"""`jarvis diagnose` and `jarvis worker`: run the background agent's checks and repairs."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import typer

from ui.cli.common import JSON_OPT, emit, run_with_runtime
from ui.cli.run_text import run_detail

if TYPE_CHECKING:
    from agent.runtime import Runtime
    from memory.runs import RunView


def diagnose(
    list_checks: bool = typer.Option(False, "--list-checks", help="Only list the checks."),
    as_json: bool = JSON_OPT,
) -> None:
    """Run every check now and print the findings (nothing is changed)."""
    # Imported here, as in `worker`: the checks and the agent load Docker and the database,
    # which `--help` does not need.
    from agent.background.service import Background
    from memory.findings import list_findings
    from tools.checks.catalog import all_checks

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
    from agent.background.queue import run_worker
    from agent.background.schedule import Scheduler
    from agent.background.service import Background

    if once:

        async def one(rt: Runtime) -> RunView:
            bg = Background(rt)
            await bg.take_up()
            return await bg.start("remediate", trigger="manual")

        run = run_with_runtime(one)
        emit(run, as_json, lambda: run_detail(run))
        return

    async def forever(rt: Runtime) -> None:
        if rt.settings.redis_url:
            await run_worker(rt)
        else:
            await Scheduler(Background(rt)).run_forever()

    with contextlib.suppress(KeyboardInterrupt):
        run_with_runtime(forever)
