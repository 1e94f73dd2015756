"""Changing a container: start, stop, restart, remove."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import docker
from pydantic import Field

from core.errors import Conflict
from tools.deps import ToolDeps
from tools.docker.base import ContainerArgs, family
from tools.docker.client import Json, container_subject, parse_time, run, short_id
from tools.docker.names import container_labels, inspect_raw, real_name
from tools.hosts.base import LOCAL, on_host
from tools.registry import ToolResult

AUTO_REMOVE_WAIT_SECONDS = 10.0


class StartContainerArgs(ContainerArgs):
    """The container to start."""


class StopContainerArgs(ContainerArgs):
    """The container to stop and how long it may take."""

    timeout: int = Field(
        default=10, ge=0, le=600, description="Seconds to wait after SIGTERM before SIGKILL."
    )


class RestartContainerArgs(StopContainerArgs):
    """The container to restart and how long stopping may take."""


class LifecycleResult(ToolResult):
    """A container's state before and after the action."""

    host: str = Field(default=LOCAL, description="The machine it is about (`local`: this one).")
    name: str
    id: str
    action: str
    previous_state: str
    state: str
    running: bool
    changed: bool
    started_at: datetime | None
    finished_at: datetime | None
    exit_code: int


def _after(client: docker.DockerClient, before: Json) -> Json | None:
    """The container's inspect document after an action; None if the engine removed it.

    A container started with auto-remove (`--rm`) is removed by the engine once it stops:
    it is "removing" for a moment, then gone (404). Wait (briefly) for that to finish.
    """
    auto_remove = bool((before.get("HostConfig") or {}).get("AutoRemove"))
    deadline = time.monotonic() + AUTO_REMOVE_WAIT_SECONDS
    while True:
        try:
            after = inspect_raw(client, before["Id"])
        except docker.errors.NotFound:
            return None
        status = (after.get("State") or {}).get("Status")
        if not auto_remove or status not in ("exited", "removing"):
            return after
        if time.monotonic() >= deadline:
            return after
        time.sleep(0.05)


def _act(
    client: docker.DockerClient, name: str, action: str, do: Callable[[str], None]
) -> LifecycleResult:
    before = inspect_raw(client, name)
    do(before["Id"])
    old: Json = before.get("State") or {}
    after = _after(client, before)
    if after is None:
        return LifecycleResult(
            name=str(before.get("Name") or name).lstrip("/"),
            id=short_id(before["Id"]),
            action=action,
            previous_state=str(old.get("Status") or "unknown"),
            state="removed",
            running=False,
            changed=True,
            started_at=parse_time(old.get("StartedAt")),
            finished_at=None,
            exit_code=0,
        )
    state: Json = after.get("State") or {}
    return LifecycleResult(
        name=str(after.get("Name") or name).lstrip("/"),
        id=short_id(after["Id"]),
        action=action,
        previous_state=str(old.get("Status") or "unknown"),
        state=str(state.get("Status") or "unknown"),
        running=bool(state.get("Running")),
        changed=(old.get("Status"), old.get("StartedAt"), old.get("FinishedAt"))
        != (state.get("Status"), state.get("StartedAt"), state.get("FinishedAt")),
        started_at=parse_time(state.get("StartedAt")),
        finished_at=parse_time(state.get("FinishedAt")),
        exit_code=int(state.get("ExitCode") or 0),
    )


async def _state_preview(args: ContainerArgs, deps: ToolDeps) -> str | None:
    data = await run(
        deps, lambda c: inspect_raw(c, args.name), container_subject(args.name), host=args.host
    )
    state: Json = data.get("State") or {}
    image = (data.get("Config") or {}).get("Image") or "?"
    return f"container {args.name!r} (image {image}) is {state.get('Status', 'unknown')} now"


@family.tool(
    "start_container",
    risk="write",
    resource="container:{name}",
    preview=_state_preview,
    canonical=real_name,
    labels=container_labels,
    description="""
Start a stopped container (nothing changes if it already runs). Use it when a service is down
because its container exited or was stopped. Returns the state before and after.
""",
)
async def start_container(args: StartContainerArgs, deps: ToolDeps) -> LifecycleResult:
    """Start a container."""
    return on_host(
        await run(
            deps,
            lambda c: _act(c, args.name, "start", c.api.start),
            container_subject(args.name),
            host=args.host,
        ),
        args.host,
    )


@family.tool(
    "stop_container",
    risk="write",
    resource="container:{name}",
    preview=_state_preview,
    canonical=real_name,
    labels=container_labels,
    description="""
Stop a running container: SIGTERM, then SIGKILL after `timeout` seconds. The service it runs
goes down until it is started again (a restart policy does not bring it back after a stop).
""",
)
async def stop_container(args: StopContainerArgs, deps: ToolDeps) -> LifecycleResult:
    """Stop a container."""
    return on_host(
        await run(
            deps,
            lambda c: _act(c, args.name, "stop", lambda cid: c.api.stop(cid, timeout=args.timeout)),
            container_subject(args.name),
            host=args.host,
        ),
        args.host,
    )


@family.tool(
    "restart_container",
    risk="write",
    resource="container:{name}",
    preview=_state_preview,
    canonical=real_name,
    labels=container_labels,
    description="""
Restart a container (stop with `timeout`, then start; starts it if it was stopped). The usual
first repair for a hung or unhealthy service. Returns the new start time to confirm it took.
""",
)
async def restart_container(args: RestartContainerArgs, deps: ToolDeps) -> LifecycleResult:
    """Restart a container."""
    return on_host(
        await run(
            deps,
            lambda c: _act(
                c, args.name, "restart", lambda cid: c.api.restart(cid, timeout=args.timeout)
            ),
            container_subject(args.name),
            host=args.host,
        ),
        args.host,
    )


class RemoveContainerArgs(ContainerArgs):
    """The container to remove."""

    force: bool = Field(default=False, description="Kill and remove it even if it is running.")
    volumes: bool = Field(
        default=False, description="Also remove its anonymous volumes (named ones are kept)."
    )
    expected_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{12,64}$",
        description="Filled in when the call is checked: the container seen then. A container "
        "recreated under the same name since is not removed.",
    )


class RemoveContainerResult(ToolResult):
    """What was removed."""

    host: str = Field(default=LOCAL, description="The machine it is about (`local`: this one).")
    name: str
    id: str
    image: str
    was_running: bool
    volumes_removed: bool


def _remove(client: docker.DockerClient, args: RemoveContainerArgs) -> RemoveContainerResult:
    data = inspect_raw(client, args.name)
    if args.expected_id is not None and not str(data["Id"]).startswith(args.expected_id):
        raise Conflict(
            f"container {args.name!r} was recreated since this was asked "
            f"(now {short_id(data['Id'])}, was {args.expected_id[:12]}); nothing was removed"
        )
    client.api.remove_container(data["Id"], v=args.volumes, force=args.force)
    return RemoveContainerResult(
        name=str(data.get("Name") or args.name).lstrip("/"),
        id=short_id(data["Id"]),
        image=str((data.get("Config") or {}).get("Image") or ""),
        was_running=bool((data.get("State") or {}).get("Running")),
        volumes_removed=args.volumes,
    )


async def _pin_container(args: RemoveContainerArgs, deps: ToolDeps) -> RemoveContainerArgs:
    """The real name, and the id of the container seen now (what the approval is about)."""
    name = (await real_name(args, deps)).name
    data = await run(deps, lambda c: inspect_raw(c, name), container_subject(name), host=args.host)
    pinned = args.expected_id or short_id(data["Id"])
    return args.model_copy(update={"name": name, "expected_id": pinned})


async def _remove_preview(args: RemoveContainerArgs, deps: ToolDeps) -> str | None:
    base = await _state_preview(args, deps)
    extra = " and its anonymous volumes" if args.volumes else ""
    return f"remove {base}{extra}" + (" (forced)" if args.force else "")


@family.tool(
    "remove_container",
    risk="destructive",
    resource="container:{name}",
    preview=_remove_preview,
    canonical=_pin_container,
    labels=container_labels,
    description="""
Delete a container (its writable layer is lost; named volumes stay). A running container is
refused unless force=true. Use it for containers that are no longer wanted, not as a repair:
prefer restart_container for a misbehaving service.
""",
)
async def remove_container(args: RemoveContainerArgs, deps: ToolDeps) -> RemoveContainerResult:
    """Remove a container."""
    return on_host(
        await run(deps, lambda c: _remove(c, args), container_subject(args.name), host=args.host),
        args.host,
    )
