"""Stacks test bed: a stacks root with a git clone of a local bare repo (busybox compose)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest

from core.settings import Settings
from core.stacks_settings import StacksSettings
from memory.db import upgrade
from tests.testbed.services import missing_service

COMPOSE = """\
services:
  app:
    image: {image}
    command: ["sh", "-c", "echo {words}; {delay}touch /tmp/ready; exec sleep 600"]
    init: true
    labels:
      jarvis.test: "1"
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/{probe}"]
      interval: 1s
      timeout: 2s
      retries: 2{start}
"""
GIT_ID = ["-c", "user.name=Evin", "-c", "user.email=evin@home.test"]


def _git(cwd: Path, *argv: str) -> str:
    done = subprocess.run(
        ["git", *GIT_ID, *argv], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _compose_cli() -> list[str]:
    if (
        subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    missing_service("Docker Compose", "apt-get install docker-compose (scripts/setup --test)")
    raise AssertionError("unreachable")


@dataclass
class StackBed:
    """The stacks root, the upstream (a bare repo and a working copy that pushes to it)."""

    root: Path
    name: str
    upstream: Path
    dev: Path
    image: str

    @property
    def checkout(self) -> Path:
        """The stack's folder under the root."""
        return self.root / self.name

    def push(self, words: str, *, probe: str = "ready", delay: int = 0) -> str:
        """Commit a compose file upstream (probe: the file its health check looks for; delay:
        seconds the service takes before it is ready)."""
        wait = f"sleep {delay}; " if delay else ""
        # Failures while it gets ready do not count (else it is unhealthy before it is ready).
        start = f"\n      start_period: {delay + 5}s" if delay else ""
        text = COMPOSE.format(image=self.image, words=words, probe=probe, delay=wait, start=start)
        return self.push_text(text, words)

    def push_text(self, text: str, message: str) -> str:
        """Commit `text` as the compose file upstream; returns the commit."""
        (self.dev / "compose.yaml").write_text(text)
        _git(self.dev, "add", "compose.yaml")
        _git(self.dev, "commit", "-q", "-m", message)
        _git(self.dev, "push", "-q", "origin", "HEAD:main")
        return _git(self.dev, "rev-parse", "HEAD")

    def git_dev(self, *argv: str) -> str:
        """Run git in the upstream's working copy."""
        return _git(self.dev, *argv)

    def head(self) -> str:
        """The commit the stack's checkout is at."""
        return _git(self.checkout, "rev-parse", "HEAD")

    def git(self, *argv: str) -> str:
        """Run git in the stack's checkout."""
        return _git(self.checkout, *argv)


def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database: stacks keep nothing in the database, the gate's rows do."""
    url = f"sqlite:///{tmp_path / 'jarvis.db'}"
    upgrade(url)
    return url


@pytest.fixture
def stack_bed(
    tmp_path: Path, busybox_image: str, docker_client: docker.DockerClient
) -> Iterator[StackBed]:
    """A stack `web-<id>` cloned at v0 (never started); its containers are removed afterwards."""
    compose_cli = _compose_cli()
    name = f"web-{uuid.uuid4().hex[:8]}"
    root = tmp_path / "contain"
    root.mkdir()
    upstream = tmp_path / "upstream.git"
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(upstream))
    dev = tmp_path / "dev"
    _git(tmp_path, "clone", "-q", upstream.as_uri(), str(dev))
    _git(dev, "checkout", "-q", "-b", "main")
    bed = StackBed(root, name, upstream, dev, busybox_image)
    bed.push("version 0")
    _git(root, "clone", "-q", upstream.as_uri(), name)
    try:
        yield bed
    finally:
        subprocess.run(
            [*compose_cli, "-p", name, "-f", str(bed.checkout / "compose.yaml"), "down", "-t", "1"],
            cwd=bed.checkout,
            capture_output=True,
            check=False,  # nothing to take down when the test never deployed
        )
        for row in docker_client.api.containers(
            all=True, filters={"label": [f"com.docker.compose.project={name}"]}
        ):
            docker_client.api.remove_container(row["Id"], force=True)


def stack_settings(tmp_path: Path) -> Settings:
    """Settings with the bed's stacks root and short health waits."""
    data = tmp_path / "data"
    data.mkdir()
    stacks = StacksSettings(healthy_seconds=25, grace_seconds=1, poll_seconds=0.3)
    return Settings(data_dir=data, stacks_root=tmp_path / "contain", stacks=stacks)
