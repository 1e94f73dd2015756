"""The eval's containers on the real Docker Engine: created, inspected, removed per run."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import docker

from evals.scenario import ContainerSetup, Scenario

LABEL = "jarvis.eval"
RUN_LABEL = "jarvis.eval.run"
SETUP_TIMEOUT = 20.0
STOP_TIMEOUT = 2  # seconds `docker stop` waits before it kills; the image's init obeys at once


def connect(docker_host: str) -> docker.DockerClient:
    """A docker SDK client for setting up and checking eval containers."""
    return docker.DockerClient(base_url=docker_host, version="auto", timeout=60)


def _wait(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def create_container(
    client: docker.DockerClient, image: str, spec: ContainerSetup, run_id: str
) -> str | None:
    """Create and start one container in the wanted state; returns its start time."""
    container = client.containers.create(
        image,
        command=spec.command,
        name=spec.name,
        labels={**spec.labels, LABEL: "1", RUN_LABEL: run_id},
        environment=spec.env or None,
        network_mode="none",  # eval containers talk to nobody
        init=True,
    )
    container.start()
    if spec.wait_for_log:
        wanted = spec.wait_for_log.encode()
        if not _wait(lambda: wanted in container.logs(), SETUP_TIMEOUT):
            raise RuntimeError(f"{spec.name} did not log {spec.wait_for_log!r} in time")
    if spec.state == "killed":
        container.kill()
    elif spec.state == "stopped":
        container.stop(timeout=STOP_TIMEOUT)
    if spec.state != "running" and not _wait(
        lambda: _status(container) != "running", SETUP_TIMEOUT
    ):
        container.kill()
        if not _wait(lambda: _status(container) != "running", SETUP_TIMEOUT):
            raise RuntimeError(f"{spec.name} did not stop in time")
    container.reload()
    return str(container.attrs["State"].get("StartedAt") or "") or None


async def set_up(
    client: docker.DockerClient, image: str, scenario: Scenario, run_id: str
) -> dict[str, str | None]:
    """Create the scenario's containers side by side; their start times by name."""
    made = await asyncio.gather(
        *(
            asyncio.to_thread(create_container, client, image, spec, run_id)
            for spec in scenario.containers
        ),
        return_exceptions=True,  # every creation has finished before clean-up looks
    )
    for item in made:
        if isinstance(item, BaseException):
            raise item
    return {
        spec.name: item
        for spec, item in zip(scenario.containers, made, strict=True)
        if not isinstance(item, BaseException)
    }


def _status(container: Any) -> str:
    container.reload()
    return str(container.attrs["State"]["Status"])


def inspect_state(client: docker.DockerClient, name: str) -> tuple[str, str | None]:
    """("running" | "exited" | "absent", StartedAt) of a container by its exact name."""
    try:
        attrs = client.api.inspect_container(name)
    except docker.errors.NotFound:
        return "absent", None
    if attrs.get("Name", "").lstrip("/") != name:
        return "absent", None  # the engine matched an id prefix, not this name
    state = attrs.get("State") or {}
    return ("running" if state.get("Running") else "exited"), state.get("StartedAt")


def wait_down(client: docker.DockerClient, names: list[str], timeout: float) -> list[str]:
    """Wait until none of these containers runs; the ones still running at the deadline."""
    up: list[str] = []

    def none_up() -> bool:
        up[:] = [n for n in names if inspect_state(client, n)[0] == "running"]
        return not up

    _wait(none_up, timeout)
    return up


def remove_run_containers(client: docker.DockerClient, run_id: str) -> None:
    """Remove every container this run made (and its anonymous volumes)."""
    rows = client.api.containers(all=True, filters={"label": f"{RUN_LABEL}={run_id}"})
    for row in rows:
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            client.api.remove_container(row["Id"], force=True, v=True)
