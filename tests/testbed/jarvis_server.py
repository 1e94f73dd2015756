"""`jarvis serve` as a real process on a free loopback port, which tests can stop and restart."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from core.settings import Settings

REPO = Path(__file__).resolve().parents[2]
JARVIS = Path(sys.executable).with_name("jarvis")
ADMIN_PASSWORD = "correct-horse-battery-staple-42"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_root(base: Path) -> Path:
    """A private copy of the Chainlit app root (Chainlit deletes APP_ROOT/.files on exit)."""
    root = base / "approot"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / ".chainlit", root / ".chainlit", dirs_exist_ok=True)
    shutil.copytree(REPO / "public", root / "public", dirs_exist_ok=True)
    shutil.copy(REPO / "chainlit.md", root / "chainlit.md")
    return root


@dataclass
class JarvisServer:
    """One installation (data dir, database) served by `jarvis serve` when started."""

    base: Path
    db_url: str
    docker_host: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    background: bool = False  # the schedule's patrols would touch every test's containers
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Where the app answers."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        """The installation's data dir (key, SQLite files)."""
        return self.base / "data"

    def env(self) -> dict[str, str]:
        """The environment of the server and of `jarvis` commands for this installation."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JARVIS_", "CHAINLIT_", "LITERAL_", "OPENAI_"))
        }
        env.update(
            JARVIS_DATA_DIR=str(self.data_dir),
            JARVIS_DATABASE_URL=self.db_url,
            JARVIS_DOCKER_HOST=self.docker_host,
            JARVIS_ADMIN_PASSWORD=ADMIN_PASSWORD,
            JARVIS_PORT=str(self.port),
            JARVIS_BACKGROUND__ENABLED=str(self.background).lower(),
            CHAINLIT_APP_ROOT=str(app_root(self.base)),
            HOME=str(self.base),
        )
        env.update(self.extra_env)
        return env

    def settings(self) -> Settings:
        """Settings for a runtime in the test process, on the same database and key."""
        return Settings(
            data_dir=self.data_dir, database_url=self.db_url, docker_host=self.docker_host
        )

    def jarvis(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a `jarvis` command against this installation."""
        return subprocess.run(
            [str(JARVIS), *args],
            env=self.env(),
            cwd=self.base,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, timeout: float = 120) -> None:
        """Start `jarvis serve` and wait until /healthz answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.base / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [str(JARVIS), "serve"],
            env=self.env(),
            cwd=self.base,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jarvis serve exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"jarvis serve did not become healthy:\n{self.log()}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) by its process group."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log(self) -> str:
        """What the server printed so far."""
        path = self.base / "serve.log"
        return path.read_text(errors="replace")[-5000:] if path.exists() else ""
