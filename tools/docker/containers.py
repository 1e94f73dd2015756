"""Reading containers: the list (`docker ps -a` with health and restarts) and inspect."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import docker
from pydantic import BaseModel, Field

from tools.deps import ToolDeps
from tools.docker.base import (
    PROJECT_LABEL,
    SERVICE_LABEL,
    ContainerArgs,
    ContainerPort,
    Health,
    ProjectName,
    family,
    health_of,
    ports_from_inspect,
    ports_from_list,
)
from tools.docker.client import Json, container_subject, get_many, parse_time, run, short_id
from tools.docker.names import inspect_raw, real_name
from tools.hosts.base import LOCAL, HostArgs, host_label, on_host
from tools.registry import ToolResult


class ListContainersArgs(HostArgs):
    """Which containers to list."""

    all: bool = Field(default=True, description="Include stopped containers (like `ps -a`).")
    project: ProjectName | None = Field(
        default=None, description="Only containers of this Docker Compose project."
    )
    name_contains: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Only containers whose name contains this text (case-insensitive).",
    )


class ContainerSummary(BaseModel):
    """One container as the list shows it."""

    id: str
    name: str
    image: str
    state: str
    status: str
    health: Health
    ports: list[ContainerPort]
    created: datetime | None
    started_at: datetime | None
    uptime_seconds: int | None
    restart_count: int
    compose_project: str | None
    compose_service: str | None
    # Only for a container that ran and stopped (exited or dead); None otherwise.
    exit_code: int | None = None
    host: str = Field(default=LOCAL, description="The machine it runs on (`local`: this one).")


class ListContainersResult(ToolResult):
    """The containers found, sorted by name."""

    host: str = Field(default=LOCAL, description="The machine listed (`local`: this one).")
    containers: list[ContainerSummary]

    def is_empty(self) -> bool:
        """No container matched."""
        return not self.containers


def _inspect_many(client: docker.DockerClient, ids: list[str]) -> dict[str, Json]:
    """Inspect containers quickly; ones that vanished meanwhile are left out."""
    found = get_many(client, [f"/containers/{cid}/json" for cid in ids])
    return {cid: data for cid, data in zip(ids, found, strict=True) if data is not None}


def _summary(row: Json, detail: Json, now: datetime) -> ContainerSummary:
    state: Json = detail.get("State") or {}
    labels: dict[str, str] = row.get("Labels") or {}
    started = parse_time(state.get("StartedAt"))
    running = bool(state.get("Running"))
    uptime = int((now - started).total_seconds()) if running and started else None
    state_name = str(state.get("Status") or row.get("State") or "unknown")
    stopped = state_name in ("exited", "dead")
    return ContainerSummary(
        id=short_id(row["Id"]),
        name=(row.get("Names") or ["/" + row["Id"][:12]])[0].lstrip("/"),
        image=str(row.get("Image") or ""),
        state=state_name,
        status=str(row.get("Status") or ""),
        health=health_of(state),
        ports=ports_from_list(row.get("Ports")),
        created=parse_time(row.get("Created")),
        started_at=started,
        uptime_seconds=max(uptime, 0) if uptime is not None else None,
        restart_count=int(detail.get("RestartCount") or 0),
        compose_project=labels.get(PROJECT_LABEL),
        compose_service=labels.get(SERVICE_LABEL),
        exit_code=int(state.get("ExitCode") or 0) if stopped else None,
    )


def list_summaries(client: docker.DockerClient, args: ListContainersArgs) -> list[ContainerSummary]:
    """The containers `args` selects (blocking; used by other Docker tools too)."""
    query: dict[str, str] = {"all": "1" if args.all else "0"}
    if args.project:
        query["filters"] = json.dumps({"label": [f"{PROJECT_LABEL}={args.project}"]})
    rows: list[Json] = get_many(client, ["/containers/json?" + urlencode(query)])[0] or []
    if args.name_contains:
        needle = args.name_contains.lower()
        rows = [r for r in rows if any(needle in n.lower() for n in r.get("Names") or [])]
    details = _inspect_many(client, [r["Id"] for r in rows])
    now = datetime.now(UTC)
    out = [_summary(r, details[r["Id"]], now) for r in rows if r["Id"] in details]
    return sorted(out, key=lambda c: c.name)


@family.tool(
    "list_containers",
    risk="read",
    resource="docker:containers",
    description="""
List Docker containers (running and stopped by default) with image, state, health, published
ports, uptime, restart count and Docker Compose project/service. Use it for "what is running",
"is X up", to find a container's exact name before acting on it, or to spot restart loops.
Every docker tool takes `host` (a registered host's name) to act on that host's engine.
""",
)
async def list_containers(args: ListContainersArgs, deps: ToolDeps) -> ListContainersResult:
    """List containers with health, ports, uptime and restart counts."""
    found = await run(deps, lambda c: list_summaries(c, args), host=args.host)
    where = host_label(args.host)
    rows = [c.model_copy(update={"host": where}) for c in found]
    return ListContainersResult(host=where, containers=rows)


class InspectContainerArgs(ContainerArgs):
    """The container to inspect."""


class ContainerState(BaseModel):
    """A container's lifecycle state."""

    status: str
    running: bool
    paused: bool
    restarting: bool
    oom_killed: bool
    dead: bool
    pid: int
    exit_code: int
    error: str
    started_at: datetime | None
    finished_at: datetime | None
    health: Health
    failing_streak: int


class RestartPolicy(BaseModel):
    """When the engine restarts the container."""

    name: str
    maximum_retry_count: int


class Mount(BaseModel):
    """A volume or bind mount."""

    type: str
    source: str
    destination: str
    name: str | None
    mode: str
    read_write: bool


class NetworkAttachment(BaseModel):
    """A network the container is attached to."""

    network: str
    ip_address: str
    gateway: str
    aliases: list[str]


class InspectContainerResult(ToolResult):
    """A container's configuration and state; environment values are replaced by placeholders."""

    host: str = Field(default=LOCAL, description="The machine it is about (`local`: this one).")
    id: str
    name: str
    image: str
    image_id: str
    created: datetime | None
    command: list[str]
    state: ContainerState
    restart_policy: RestartPolicy
    restart_count: int
    mounts: list[Mount]
    networks: list[NetworkAttachment]
    ports: list[ContainerPort]
    labels: dict[str, str]
    env: dict[str, str]


def _env(raw: list[str] | None, deps: ToolDeps) -> dict[str, str]:
    """KEY=value pairs with every value replaced by its placeholder."""
    out: dict[str, str] = {}
    for item in raw or []:
        key, _, value = item.partition("=")
        out[key] = deps.secret(value) if value else ""
    return out


def _inspect_result(d: Json, deps: ToolDeps) -> InspectContainerResult:
    state: Json = d.get("State") or {}
    config: Json = d.get("Config") or {}
    host: Json = d.get("HostConfig") or {}
    policy: Json = host.get("RestartPolicy") or {}
    net: Json = d.get("NetworkSettings") or {}
    return InspectContainerResult(
        id=short_id(d["Id"]),
        name=str(d.get("Name") or "").lstrip("/"),
        image=str(config.get("Image") or ""),
        image_id=short_id(str(d.get("Image") or "")),
        created=parse_time(d.get("Created")),
        command=[*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])],
        state=ContainerState(
            status=str(state.get("Status") or "unknown"),
            running=bool(state.get("Running")),
            paused=bool(state.get("Paused")),
            restarting=bool(state.get("Restarting")),
            oom_killed=bool(state.get("OOMKilled")),
            dead=bool(state.get("Dead")),
            pid=int(state.get("Pid") or 0),
            exit_code=int(state.get("ExitCode") or 0),
            error=str(state.get("Error") or ""),
            started_at=parse_time(state.get("StartedAt")),
            finished_at=parse_time(state.get("FinishedAt")),
            health=health_of(state),
            failing_streak=int((state.get("Health") or {}).get("FailingStreak") or 0),
        ),
        restart_policy=RestartPolicy(
            name=str(policy.get("Name") or "no"),
            maximum_retry_count=int(policy.get("MaximumRetryCount") or 0),
        ),
        restart_count=int(d.get("RestartCount") or 0),
        mounts=[
            Mount(
                type=str(m.get("Type") or ""),
                source=str(m.get("Source") or ""),
                destination=str(m.get("Destination") or ""),
                name=m.get("Name") or None,
                mode=str(m.get("Mode") or ""),
                read_write=bool(m.get("RW")),
            )
            for m in d.get("Mounts") or []
        ],
        networks=[
            NetworkAttachment(
                network=str(name),
                ip_address=str(n.get("IPAddress") or ""),
                gateway=str(n.get("Gateway") or ""),
                aliases=[str(a) for a in n.get("Aliases") or []],
            )
            for name, n in sorted((net.get("Networks") or {}).items())
        ],
        ports=ports_from_inspect(net.get("Ports")),
        labels={str(k): str(v) for k, v in (config.get("Labels") or {}).items()},
        env=_env(config.get("Env"), deps),
    )


@family.tool(
    "inspect_container",
    risk="read",
    resource="container:{name}",
    canonical=real_name,
    description="""
Show one container's full configuration and state: image, command, state and exit code,
health, restart policy and count, mounts, networks, published ports, labels and the names of
its environment variables (values are hidden). Use it to understand why a container misbehaves
or how it is wired before changing anything.
""",
)
async def inspect_container(args: InspectContainerArgs, deps: ToolDeps) -> InspectContainerResult:
    """Inspect one container, hiding every environment value."""
    data = await run(
        deps, lambda c: inspect_raw(c, args.name), container_subject(args.name), host=args.host
    )
    return on_host(_inspect_result(data, deps), args.host)
