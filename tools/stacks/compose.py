"""Compose for a stack: the CLI (`docker compose`, else `docker-compose` 1.29) and its health."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import docker
import yaml
from pydantic import BaseModel

from core.errors import ChangeFailed, NotReady
from tools.deps import ToolDeps
from tools.docker.base import ONEOFF_LABEL, PROJECT_LABEL, SERVICE_LABEL
from tools.docker.client import run
from tools.safety.executor import CommandResult
from tools.stacks.repo import Stack, executor

ServiceHealth = Literal[
    "healthy", "completed", "starting", "running", "unhealthy", "exited", "missing"
]
# A one-shot service (a migration, `restart: "no"`) that exited 0 has done its job.
PASSING = ("healthy", "completed")
ONE_SHOT_RESTARTS = ("", "no", "on-failure")


async def compose_program(deps: ToolDeps) -> list[str]:
    """`docker compose` when the plugin answers, else `docker-compose`; NotReady if neither."""
    runner = executor(deps)
    if runner.resolve_program("docker") is not None:
        probe = await runner.run(["docker", "compose", "version", "--short"], timeout=15)
        if probe.ok:
            return ["docker", "compose"]
    if runner.resolve_program("docker-compose") is not None:
        return ["docker-compose"]
    raise NotReady("neither `docker compose` nor `docker-compose` is installed")


async def compose(
    deps: ToolDeps,
    stack: Stack,
    *argv: str,
    folder: Path | None = None,
    check: bool = True,
) -> CommandResult:
    """Run a compose command for the stack (project = folder name; `folder`: another checkout
    of it, as validation uses)."""
    where = folder or stack.path
    program = await compose_program(deps)
    compose_file = where / stack.compose_file.name
    # `--ansi never` in compose v2 and docker-compose 1.28+ (1.29's --no-ansi warns on stderr).
    full = [*program, "--ansi", "never"]
    full += ["-p", stack.project, "-f", str(compose_file), "--project-directory", str(where)]
    result = await executor(deps).run([*full, *argv], cwd=where)
    if check and not result.ok:
        why = "timed out" if result.timed_out else (result.stderr or result.stdout).strip()
        raise ChangeFailed(f"compose {argv[0]} of {stack.name} failed: {why[-600:]}")
    return result


WORST_FIRST: list[ServiceHealth] = [
    "exited", "unhealthy", "missing", "starting", "running", "completed", "healthy"
]  # fmt: skip


class ServiceState(BaseModel):
    """One service of a stack, as its container(s) on the engine show it."""

    service: str
    containers: list[str]
    state: str  # the engine's container state (running, exited ...)
    health: ServiceHealth
    running_seconds: float | None = None
    restarts: int = 0


def _one(service: str, rows: list[dict[str, Any]], now: datetime, grace: float) -> ServiceState:
    if not rows:
        return ServiceState(service=service, containers=[], state="missing", health="missing")
    # The worst container of the service decides.
    states = []
    for info in rows:
        st = info.get("State") or {}
        started = str(st.get("StartedAt") or "")
        try:
            # The engine writes nanoseconds and a Z; whole seconds are precise enough here.
            since = datetime.fromisoformat(started[:19]).replace(tzinfo=UTC)
            seconds = (now - since).total_seconds()
        except ValueError:
            seconds = 0.0
        status = str(st.get("Status") or "unknown")
        health = str((st.get("Health") or {}).get("Status") or "")
        label: ServiceHealth
        restart = str(((info.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name") or "")
        if status == "exited" and st.get("ExitCode") == 0 and restart in ONE_SHOT_RESTARTS:
            label = "completed"
        elif status != "running":
            label = "exited"
        elif health == "unhealthy":
            label = "unhealthy"
        elif health == "healthy":
            label = "healthy"
        elif health == "starting":
            label = "starting"
        else:  # no health check: running long enough without a restart counts as healthy
            label = "healthy" if seconds >= grace else "running"
        states.append((label, status, seconds, int(info.get("RestartCount") or 0)))
    worst = min(states, key=lambda s: WORST_FIRST.index(s[0]))
    return ServiceState(
        service=service,
        containers=[str(i.get("Name") or "").lstrip("/") for i in rows],
        state=worst[1],
        health=worst[0],
        running_seconds=round(worst[2], 1),
        restarts=max(s[3] for s in states),
    )


def _inspect(client: docker.DockerClient, project: str) -> dict[str, list[dict[str, Any]]]:
    rows = client.api.containers(all=True, filters={"label": [f"{PROJECT_LABEL}={project}"]})
    by_service: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        labels = row.get("Labels") or {}
        if labels.get(ONEOFF_LABEL) == "True":
            continue
        info = client.api.inspect_container(row["Id"])
        by_service.setdefault(str(labels.get(SERVICE_LABEL) or "?"), []).append(info)
    return by_service


async def services(deps: ToolDeps, stack: Stack, names: list[str]) -> list[ServiceState]:
    """The state of each service `names` lists (and any other the project runs)."""
    found = await run(deps, lambda c: _inspect(c, stack.project))
    now = datetime.now(UTC)
    grace = deps.settings.stacks.grace_seconds
    every = list(dict.fromkeys([*names, *sorted(found)]))
    return [_one(name, found.get(name, []), now, grace) for name in every]


async def service_names(deps: ToolDeps, stack: Stack, folder: Path | None = None) -> list[str]:
    """The services the compose file defines."""
    out = await compose(deps, stack, "config", "--services", folder=folder)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


async def started_services(deps: ToolDeps, stack: Stack) -> list[str]:
    """The services `up -d` starts: those without `profiles:` (compose 1.29's
    `config --services` lists the others too)."""
    out = await compose(deps, stack, "config")
    try:
        defined = (yaml.safe_load(out.stdout) or {}).get("services") or {}
    except yaml.YAMLError as exc:
        raise ChangeFailed(f"compose config of {stack.name} gave no YAML: {exc}") from None
    return [str(n) for n, spec in defined.items() if not (spec or {}).get("profiles")]


async def wait_healthy(deps: ToolDeps, stack: Stack) -> tuple[bool, list[ServiceState]]:
    """Wait until every service is healthy (or running for the grace period, or done for a
    one-shot); False as soon as one has exited or turned unhealthy, or when the time is up."""
    cfg = deps.settings.stacks
    names = await started_services(deps, stack)
    deadline = time.monotonic() + cfg.healthy_seconds
    while True:
        states = await services(deps, stack, names)
        if all(s.health in PASSING for s in states):
            return True, states
        if any(s.health in ("exited", "unhealthy") for s in states):
            return False, states
        if time.monotonic() >= deadline:
            return False, states
        await asyncio.sleep(cfg.poll_seconds)


def _tail(client: docker.DockerClient, container: str, lines: int) -> str:
    raw = client.api.logs(container, tail=lines, stdout=True, stderr=True)
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


async def last_lines(deps: ToolDeps, container: str, lines: int) -> list[str]:
    """The last log lines of a container (text its program wrote: untrusted)."""
    text = await run(deps, lambda c: _tail(c, container, lines), subject=f"container {container}")
    return deps.executor.redactor.text(text).splitlines()[-lines:]


def failing(states: list[ServiceState]) -> ServiceState | None:
    """The service that is worst off (exited before unhealthy before still starting)."""
    bad = [s for s in states if s.health not in PASSING]
    return min(bad, key=lambda s: WORST_FIRST.index(s.health)) if bad else None
