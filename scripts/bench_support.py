"""Shared pieces of the benchmark scripts: percentiles, a Docker Engine, the test image."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator

import docker


def pct(samples: list[float], q: float) -> float:
    """The q-quantile of the samples (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ensure_image(client: docker.DockerClient) -> str:
    """The local busybox test image, built from the host's busybox if missing (never pulled)."""
    from tests.testbed.docker_fixtures import IMAGE, build_busybox_image

    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        build_busybox_image(client)
    return IMAGE


def engine(host: str) -> subprocess.Popen[bytes] | None:
    """Use the engine at `host`, or start `dockerd --storage-driver=vfs` there for the run."""
    try:
        docker.DockerClient(base_url=host, version="auto", timeout=3).ping()
        return None
    except Exception:
        pass
    proc = subprocess.Popen(
        ["dockerd", "--storage-driver=vfs", "-H", host],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(150):
        time.sleep(0.2)
        try:
            docker.DockerClient(base_url=host, version="auto", timeout=3).ping()
            return proc
        except Exception:
            continue
    proc.terminate()
    raise SystemExit(f"no Docker Engine at {host} and dockerd did not start")


@contextlib.contextmanager
def docker_engine() -> Iterator[str]:
    """The address of a Docker Engine for the run (started and stopped here if none)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    started = engine(host)
    try:
        yield host
    finally:
        if started is not None:
            started.terminate()
            started.wait(timeout=30)
