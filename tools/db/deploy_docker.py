"""The Docker side of deploying a database server: free names and ports, the container, health."""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from dataclasses import dataclass
from typing import Any

import docker

from core.db_settings import DatabasesSettings
from core.errors import ChangeFailed, Conflict, NotReady
from tools.db.deploy_specs import (
    ENGINE_LABEL,
    MANAGED_LABEL,
    SERVER_LABEL,
    EngineSpec,
    container_name,
    secrets_tar,
    volume_name,
)
from tools.deps import ToolDeps
from tools.docker.client import run

POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Plan:
    """What one deployment makes: image, container, volume, where it is published."""

    server: str
    spec: EngineSpec
    image: str
    container: str
    volume: str
    address: str
    port: int
    labels: dict[str, str]
    health_interval: int


def connect_address(publish: str) -> str:
    """Where Jarvis reaches a port published on `publish` (any address: loopback)."""
    return "127.0.0.1" if publish in ("", "0.0.0.0") else publish  # noqa: S104 (a comparison)


def port_free(address: str, port: int) -> bool:
    """Whether nothing listens on address:port on this machine (a bind test, closed at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def free_port(address: str) -> int:
    """A port nothing listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def plan(server: str, spec: EngineSpec, settings: DatabasesSettings, port: int | None) -> Plan:
    """Names, labels and the port of a deployment (a free one when none is given)."""
    address = settings.publish_address
    labels = {
        **settings.labels,
        MANAGED_LABEL: "1",
        ENGINE_LABEL: spec.engine,
        SERVER_LABEL: server,
    }
    return Plan(
        server=server,
        spec=spec,
        image=spec.image(settings),
        container=container_name(server),
        volume=volume_name(server),
        address=address,
        port=port if port is not None else free_port(connect_address(address)),
        labels=labels,
        health_interval=settings.health_interval_seconds,
    )


def _exists(getter: Any, name: str) -> bool:
    try:
        getter(name)
    except docker.errors.NotFound:
        return False
    return True


async def check_free(deps: ToolDeps, p: Plan) -> None:
    """Conflict when the container, the volume or the port is taken."""

    def work(client: docker.DockerClient) -> str | None:
        if _exists(client.api.inspect_container, p.container):
            return f"a container named {p.container} already exists"
        if _exists(client.api.inspect_volume, p.volume):
            return f"a volume named {p.volume} already exists (data of an earlier server?)"
        return None

    taken = await run(deps, work)
    if taken is None and not port_free(connect_address(p.address), p.port):
        taken = f"port {p.port} on {p.address} is in use"
    if taken is not None:
        raise Conflict(f"cannot deploy {p.server}: {taken}")


async def ensure_image(deps: ToolDeps, image: str, pull: bool) -> None:
    """The image is on the engine: pulled when allowed, else NotReady saying what to do."""

    def work(client: docker.DockerClient) -> None:
        if _exists(client.images.get, image):
            return
        if not pull:
            raise NotReady(
                f"image {image} is not on the Docker Engine and pulling is off "
                "(databases.pull_images); pull or build it first"
            )
        last = image.rsplit("/", maxsplit=1)[-1]
        repo, _, tag = image.rpartition(":") if ":" in last else (image, "", "")
        client.images.pull(repo, tag=tag or "latest")

    await run(deps, work, f"image {image}")


@dataclass
class Made:
    """What one deployment created so far: a failure removes these and nothing else."""

    container: str | None = None  # its id: a same-named container made by others is not ours
    volume: str | None = None


async def start(deps: ToolDeps, p: Plan, password: str, made: Made) -> None:
    """Volume, container (secret files copied in before the first start), start."""
    spec = p.spec

    # Typed loosely: the SDK's stub wants its private TypedDict.
    policy: Any = {"Name": "unless-stopped", "MaximumRetryCount": 0}

    def work(client: docker.DockerClient) -> None:
        # Creating a volume whose name exists returns the existing one: never adopt it.
        if _exists(client.api.inspect_volume, p.volume):
            raise Conflict(f"a volume named {p.volume} already exists")
        client.volumes.create(name=p.volume, labels=p.labels)
        made.volume = p.volume
        container = client.containers.create(
            p.image,
            command=spec.command(),
            name=p.container,
            environment=spec.environment(),
            labels=p.labels,
            ports={f"{spec.port}/tcp": (p.address, p.port)},
            volumes={p.volume: {"bind": spec.data_dir, "mode": "rw"}},
            healthcheck=spec.healthcheck(p.health_interval),
            restart_policy=policy,
            detach=True,
        )
        made.container = container.id
        container.put_archive("/", secrets_tar(spec.files(password)))
        container.start()

    await run(deps, work, f"image {p.image}")


def _state(client: docker.DockerClient, name: str) -> tuple[str, str, str]:
    state = client.api.inspect_container(name).get("State") or {}
    health = state.get("Health") or {}
    log = health.get("Log") or []
    last = str((log[-1] or {}).get("Output") or "").strip() if log else ""
    return str(state.get("Status") or ""), str(health.get("Status") or ""), last[:300]


async def wait_healthy(deps: ToolDeps, name: str, seconds: float) -> float:
    """Seconds until the container's health check passed; ChangeFailed if it cannot."""
    began = time.monotonic()
    deadline = began + seconds
    while True:
        status, health, last = await run(deps, lambda c: _state(c, name))
        if health == "healthy":
            return time.monotonic() - began
        if status in ("exited", "dead") or health == "unhealthy":
            tail = await run(deps, lambda c: _log_tail(c, name))
            raise ChangeFailed(f"{name} is {health or status}: {last or tail or 'no output'}")
        if time.monotonic() >= deadline:
            raise ChangeFailed(f"{name} did not report healthy within {seconds:.0f} s ({health})")
        await asyncio.sleep(POLL_SECONDS)


def _log_tail(client: docker.DockerClient, name: str) -> str:
    raw = client.api.logs(name, tail=5)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())[:500]


async def remove(deps: ToolDeps, container: str | None, volume: str | None) -> list[str]:
    """Remove a container (and a volume); what could not be removed, said plainly."""

    def work(client: docker.DockerClient) -> list[str]:
        left: list[str] = []
        try:
            if container is not None:
                client.api.remove_container(container, force=True, v=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            left.append(f"container {container} ({exc.explanation})")
        if volume is not None:
            # The engine may finish releasing the container's mounts a moment later.
            for _ in range(20):
                try:
                    client.api.remove_volume(volume)
                    break
                except docker.errors.NotFound:
                    break
                except docker.errors.APIError as exc:
                    if exc.status_code != 409:
                        left.append(f"volume {volume} ({exc.explanation})")
                        break
                    time.sleep(0.25)
            else:
                left.append(f"volume {volume} (still in use)")
        return left

    return await run(deps, work)
