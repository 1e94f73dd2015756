"""The real Docker Engine test bed: an engine, a locally built busybox image, test containers.

- `docker_host`: the engine's address. An engine already answering at DOCKER_HOST (or the
  default socket) is used as is; otherwise `dockerd --storage-driver=vfs` is started and
  stopped again, by PID, at the end of the session.
- `busybox_image`: `jarvis-test/busybox:1`, built from the host's static busybox, never pulled.
- `make_container`: creates and starts labelled containers, removes them after the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import docker
import pytest
from docker.models.containers import Container

from evals.image import BUSYBOX, IMAGE, rootfs_tar
from tests.testbed.services import missing_service

DEFAULT_HOST = "unix:///var/run/docker.sock"
TEST_LABEL = "jarvis.test"
OWNER_LABEL = "jarvis.test.owner"  # "<pid>:<session uuid>" of the pytest session that made it
START_TIMEOUT = 30.0
LEFTOVER_AGE = 3600  # seconds: unowned test containers older than this are leftovers
HOW = "apt-get install docker.io busybox-static; the test command starts dockerd"
SESSION = f"{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _client(host: str, timeout: int = 10) -> docker.DockerClient:
    return docker.DockerClient(base_url=host, version="auto", timeout=timeout)


def _answers(host: str) -> bool:
    try:
        client = _client(host, timeout=3)
    except Exception:
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def _start_dockerd(host: str, log: Path) -> subprocess.Popen[bytes]:
    dockerd = shutil.which("dockerd")
    assert dockerd is not None
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [dockerd, "--storage-driver=vfs", "-H", host],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if _answers(host):
            return proc
        time.sleep(0.2)
    _stop(proc)
    tail = log.read_text(errors="replace")[-2000:]
    missing_service(
        "Docker Engine", f"dockerd did not answer at {host} within {START_TIMEOUT:.0f} s:\n{tail}"
    )
    raise AssertionError("unreachable")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _owner_alive(owner: str) -> bool:
    pid = owner.partition(":")[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_leftover(row: dict[str, Any]) -> bool:
    labels: dict[str, str] = row.get("Labels") or {}
    owner = labels.get(OWNER_LABEL)
    if owner is not None:
        return owner == SESSION or not _owner_alive(owner)
    return time.time() - int(row.get("Created") or 0) > LEFTOVER_AGE


def remove_leftovers(client: docker.DockerClient) -> None:
    """Remove this session's test containers and those of sessions that are gone."""
    for row in client.api.containers(all=True, filters={"label": f"{TEST_LABEL}=1"}):
        if _is_leftover(row):
            with contextlib.suppress(docker.errors.NotFound):
                client.api.remove_container(row["Id"], force=True, v=True)


def _close_quietly(client: docker.DockerClient) -> None:
    with contextlib.suppress(Exception):
        client.close()


@pytest.fixture(scope="session")
def docker_host() -> Iterator[str]:
    """The Docker Engine the tests use; started (and later stopped) here if none answers."""
    wanted = os.environ.get("DOCKER_HOST") or DEFAULT_HOST
    candidates = dict.fromkeys([wanted, DEFAULT_HOST])
    host = next((h for h in candidates if _answers(h)), None)
    proc: subprocess.Popen[bytes] | None = None
    logdir: tempfile.TemporaryDirectory[str] | None = None
    if host is None:
        if shutil.which("dockerd") is None:
            missing_service("Docker Engine", HOW)
        host = wanted if wanted.startswith("unix://") else DEFAULT_HOST
        logdir = tempfile.TemporaryDirectory(prefix="jarvis-dockerd-")
        proc = _start_dockerd(host, Path(logdir.name) / "dockerd.log")
    client = _client(host)
    try:
        remove_leftovers(client)  # of earlier sessions that did not finish
        yield host
    finally:
        try:
            remove_leftovers(client)
        finally:
            _close_quietly(client)
            if proc is not None:
                _stop(proc)
            if logdir is not None:
                logdir.cleanup()


@pytest.fixture(scope="session")
def docker_client(docker_host: str) -> Iterator[docker.DockerClient]:
    """A docker SDK client on the test engine, for arranging and checking tests."""
    client = _client(docker_host, timeout=60)
    yield client
    client.close()


@pytest.fixture(scope="session")
def busybox_image(docker_client: docker.DockerClient) -> str:
    """`jarvis-test/busybox:1`, imported from the host's busybox (reused when present)."""
    try:
        docker_client.images.get(IMAGE)
        return IMAGE
    except docker.errors.ImageNotFound:
        pass
    if not BUSYBOX.exists():
        missing_service("busybox-static (/bin/busybox)", HOW)
    return build_busybox_image(docker_client)


def build_busybox_image(client: docker.DockerClient) -> str:
    """Import the busybox test image from the host's static busybox; returns its name."""
    repo, _, tag = IMAGE.partition(":")
    client.api.import_image_from_data(
        rootfs_tar(BUSYBOX), repository=repo, tag=tag, changes=['CMD ["sh"]', "ENV PATH=/bin"]
    )
    client.images.get(IMAGE)
    return IMAGE


class MakeContainer(Protocol):
    """The `make_container` factory's signature."""

    def __call__(
        self,
        command: str | list[str] = ...,
        *,
        name: str | None = ...,
        labels: dict[str, str] | None = ...,
        environment: dict[str, str] | None = ...,
        ports: dict[str, int | None] | None = ...,
        restart_policy: dict[str, Any] | None = ...,
        healthcheck: dict[str, Any] | None = ...,
        start: bool = ...,
        **extra: Any,
    ) -> Container: ...


def _loopback_ports(ports: dict[str, int | None] | None) -> dict[str, tuple[str, int | None]]:
    """Publish every port on 127.0.0.1 only (None: any free host port)."""
    return {key: ("127.0.0.1", host_port) for key, host_port in (ports or {}).items()}


@pytest.fixture
def make_container(
    docker_client: docker.DockerClient, busybox_image: str
) -> Iterator[MakeContainer]:
    """Factory: create (and start) a labelled busybox container; all are removed afterwards."""
    made: list[Container] = []

    def make(
        command: str | list[str] = "sleep 600",
        *,
        name: str | None = None,
        labels: dict[str, str] | None = None,
        environment: dict[str, str] | None = None,
        ports: dict[str, int | None] | None = None,
        restart_policy: dict[str, Any] | None = None,
        healthcheck: dict[str, Any] | None = None,
        start: bool = True,
        **extra: Any,
    ) -> Container:
        options: dict[str, Any] = {
            "init": True,  # a real PID 1: signals work, stop is quick
            "ports": _loopback_ports(ports),
            "restart_policy": restart_policy,
            "healthcheck": healthcheck,
            "environment": environment,
            **extra,
        }
        container = docker_client.containers.create(
            busybox_image,
            command=command,
            name=name or f"jarvis-test-{uuid.uuid4().hex[:10]}",
            labels={**(labels or {}), TEST_LABEL: "1", OWNER_LABEL: SESSION},
            **options,
        )
        made.append(container)
        if start:
            container.start()
        container.reload()
        return container

    yield make
    for container in made:
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True, v=True)


def wait_for(check: Callable[[], bool], timeout: float = 15.0, every: float = 0.1) -> bool:
    """Poll `check` until it is true or `timeout` seconds pass (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()


def has_exited(container: Container) -> bool:
    """Whether the container is exited now (reloaded from the engine)."""
    container.reload()
    return bool(container.status == "exited")
