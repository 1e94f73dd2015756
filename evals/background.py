"""Background scenarios: remediate passes through the agent's composition root, then a grade."""

from __future__ import annotations

import asyncio
from typing import Any

import docker

from agent.background.service import Background
from agent.runtime import Runtime
from evals.containers import SETUP_TIMEOUT, wait_down
from evals.grading import grade, read_rows
from evals.report import RunState

# Only the container checks: fast, and independent of the host's disks, domains and Caddy.
CHECKS = ["containers.*"]
START_TOOLS = ("docker.start_container", "docker.restart_container")


def _failed_starts(actions: list[dict[str, Any]], names: set[str]) -> list[str]:
    """This run's containers a pass started that did not stay up (a crash loop)."""
    out = []
    for action in actions:
        name = str(action.get("resource", "")).removeprefix("container:")
        if name in names and action.get("tool") in START_TOOLS and action.get("verified") is False:
            out.append(name)
    return sorted(set(out))


async def run_passes(runtime: Runtime, run: RunState, client: docker.DockerClient) -> None:
    """The scenario's passes, one after another, each as the scheduler would start it."""
    scenario = run.scenario
    names = {c.name for c in scenario.containers}
    background = Background(runtime)
    for number in range(1, scenario.passes + 1):
        done = await background.start(
            "remediate", trigger="schedule", options={"checks": list(CHECKS)}
        )
        run.replies.append(f"pass {number}: {done.status}: {done.summary or ''}")
        dying = _failed_starts(done.actions, names)
        if number < scenario.passes and dying:
            # A start that did not hold: the next pass must find it down again, as a real
            # schedule an hour later would, not catch it mid-crash.
            still = await asyncio.to_thread(wait_down, client, dying, SETUP_TIMEOUT)
            if still:
                run.failures.append(
                    f"{', '.join(still)} still running {SETUP_TIMEOUT:g} s after pass {number}"
                )
    db = await read_rows(runtime)
    reply = "\n".join(run.replies)
    run.failures += await asyncio.to_thread(grade, scenario.expect, run, db, client, reply)
