"""Container checks: unexpected exits, restart loops and failing healthchecks."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from memory.executions import count_recent
from memory.findings import Observation, Remedy, Severity
from tools.checks.base import CheckContext, CheckResult, CheckSet
from tools.checks.docker_state import (
    ContainerState,
    StopInfo,
    how_it_stopped,
    log_tail,
    watched,
)

checks = CheckSet()
CONCURRENCY = 8  # event and log reads at once, so many exited containers do not flood the engine
UNHEALTHY_CRITICAL_STREAK = 5
# Engines restart these unless someone stopped them, so "exited" means stopped on purpose.
SELF_RESTARTING = frozenset({"always", "unless-stopped"})
JARVIS_STOP_SLACK = timedelta(minutes=10)
START_TOOLS = ["docker.start_container", "docker.restart_container"]
UNTRUSTED = "untrusted"  # evidence key listing the fields whose text the container wrote


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _window(ctx: CheckContext) -> timedelta:
    return timedelta(seconds=ctx.settings.background.restart_loop_seconds)


def _looping(ctx: CheckContext, c: ContainerState) -> bool:
    """RestartCount reached the limit within the window (the engine resets it on a manual start)."""
    if c.restart_count < ctx.settings.background.restart_loop_count:
        return False
    last = c.started_at if c.running else c.finished_at
    return last is not None and ctx.now - last < _window(ctx)


async def _stopped_by_jarvis(ctx: CheckContext, c: ContainerState) -> bool:
    if ctx.db is None or c.finished_at is None:
        return False
    since = c.finished_at - JARVIS_STOP_SLACK
    return await count_recent(ctx.db, ["docker.stop_container"], c.resource, since) > 0


async def _unexpected(ctx: CheckContext, c: ContainerState, info: StopInfo) -> bool:
    """Whether this exit is a problem; without events, the conservative fallback."""
    if info.how == "stopped":
        return False
    if c.oom_killed or info.how in ("oom", "killed"):
        return True
    if info.known:
        return (info.exit_code if info.exit_code is not None else c.exit_code) != 0
    if c.exit_code == 0 or c.restart_policy in SELF_RESTARTING:
        return False
    return not await _stopped_by_jarvis(ctx, c)


def _exit_summary(c: ContainerState, info: StopInfo) -> str:
    if c.oom_killed or info.how == "oom":
        return f"{c.name} was killed for running out of memory (exit code {c.exit_code})"
    if info.how == "killed":
        return f"{c.name} was killed (signal {info.signal or '?'}, exit code {c.exit_code})"
    return f"{c.name} exited unexpectedly with code {c.exit_code}"


async def _judge_exit(
    ctx: CheckContext, c: ContainerState, gate: asyncio.Semaphore
) -> Observation | None:
    async with gate:
        info = await how_it_stopped(ctx.deps, c, ctx.now)
        if not await _unexpected(ctx, c, info):
            return None
        tail = await log_tail(ctx.deps, c)
    looping = await _loop_reason(ctx, c) is not None
    # Still proposed when it loops: the policy's restart breaker (3 an hour) then turns the
    # next start into a question for a person, which is what a loop needs.
    remedy = Remedy(
        tool="docker.start_container",
        args={"name": c.name},
        why=f"start {c.name} again; it stopped without anyone asking it to",
    )
    summary = _exit_summary(c, info)
    if looping:
        summary += "; it has been restarting in a loop"
    evidence: dict[str, Any] = {
        "exit_code": c.exit_code,
        "oom_killed": c.oom_killed or info.how == "oom",
        "finished_at": _iso(c.finished_at),
        "how": info.how if info.known else "unknown (the engine no longer has its events)",
        "signal": info.signal,
        "events": info.actions,
        "error": c.error or None,
        "image": c.image,
        "restart_policy": c.restart_policy,
        "restart_count": c.restart_count,
        "log_tail": tail,
        UNTRUSTED: ["log_tail"],
    }
    return exited.observe(c.resource, "critical", summary, evidence, remedy)


@checks.check(
    "containers.exited",
    title="Container exited unexpectedly",
    description="""
    A container that is exited or dead although nobody stopped it: a non-zero exit code, a
    kill signal, or the kernel's out-of-memory killer. The engine's event stream tells a
    `docker stop` (or Jarvis's docker.stop_container) apart from a crash; when those events
    have left the engine's buffer, an exit with code 0, a container whose restart policy is
    always/unless-stopped, and one Jarvis stopped itself count as stopped on purpose.
    Containers labelled jarvis.ignore=true are skipped.
    """,
    severity_rule="""
    critical for a non-zero exit, a kill or an OOM kill. A clean exit (code 0) that was not a
    stop is not a finding: one-shot jobs end that way.
    """,
    remedy="docker.start_container (the policy's restart breaker asks after 3 an hour)",
)
async def exited(ctx: CheckContext) -> CheckResult:
    """Report containers that stopped without being asked to."""
    gate = asyncio.Semaphore(CONCURRENCY)
    down = [c for c in await watched(ctx) if c.status in ("exited", "dead")]
    found = await asyncio.gather(*(_judge_exit(ctx, c, gate) for c in down))
    return CheckResult(observations=[o for o in found if o is not None])


async def _loop_reason(ctx: CheckContext, c: ContainerState) -> str | None:
    limit = ctx.settings.background.restart_loop_count
    minutes = ctx.settings.background.restart_loop_seconds // 60
    if c.restarting:
        return f"the engine is restarting it again (restarted {c.restart_count} times)"
    if _looping(ctx, c):
        return f"it restarted {c.restart_count} times, the last within {minutes} min"
    if c.running or c.restart_policy != "no" or ctx.db is None:
        return None
    started = await count_recent(ctx.db, START_TOOLS, c.resource, ctx.now - _window(ctx))
    if started >= limit:
        return f"Jarvis started it {started} times in {minutes} min and it is down again"
    return None


@checks.check(
    "containers.restart_loop",
    title="Container restarting in a loop",
    description="""
    A container the engine is restarting right now, one whose restart count reached
    restart_loop_count within restart_loop_seconds, or one without a restart policy that
    Jarvis started that many times in the window and that is down again.
    """,
    severity_rule="always critical: the service keeps failing",
    remedy=None,
)
async def restart_loop(ctx: CheckContext) -> CheckResult:
    """Report containers that keep restarting."""
    out = []
    for c in await watched(ctx):
        reason = await _loop_reason(ctx, c)
        if reason is None:
            continue
        summary = (
            f"{c.name} is in a restart loop: {reason}. Restarting it again would not help; "
            "a person needs to look at its logs and configuration"
        )
        evidence = {
            "status": c.status,
            "restart_count": c.restart_count,
            "restart_policy": c.restart_policy,
            "exit_code": c.exit_code,
            "oom_killed": c.oom_killed,
            "started_at": _iso(c.started_at),
            "finished_at": _iso(c.finished_at),
            "image": c.image,
        }
        out.append(restart_loop.observe(c.resource, "critical", summary, evidence))
    return CheckResult(observations=out)


@checks.check(
    "containers.unhealthy",
    title="Container healthcheck failing",
    description="""
    A running container whose Docker healthcheck reports "unhealthy".
    """,
    severity_rule=f"""
    warning; critical once the healthcheck failed {UNHEALTHY_CRITICAL_STREAK} times in a row
    """,
    remedy="docker.restart_container",
)
async def unhealthy(ctx: CheckContext) -> CheckResult:
    """Report containers whose healthcheck fails."""
    out = []
    for c in await watched(ctx):
        if c.health != "unhealthy" or not c.running:
            continue
        severity: Severity = (
            "critical" if c.failing_streak >= UNHEALTHY_CRITICAL_STREAK else "warning"
        )
        evidence = {
            "failing_streak": c.failing_streak,
            "health_output": c.health_output,
            "started_at": _iso(c.started_at),
            "image": c.image,
            UNTRUSTED: ["health_output"],
        }
        remedy = Remedy(
            tool="docker.restart_container",
            args={"name": c.name},
            why=f"restart {c.name}; its healthcheck failed {c.failing_streak} times in a row",
        )
        summary = f"{c.name} is unhealthy: its healthcheck failed {c.failing_streak} times in a row"
        out.append(unhealthy.observe(c.resource, severity, summary, evidence, remedy))
    return CheckResult(observations=out)
