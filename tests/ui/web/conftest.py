"""The real web app (create_app under uvicorn) in its own process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from agent.runtime import Runtime, build_runtime
from core.settings import Settings
from tests.testbed.caddy_pebble import Caddy
from tests.testbed.db_fixtures import _pg_create, _pg_drop
from tests.testbed.jarvis_server import free_port

REPO = Path(__file__).resolve().parents[3]
LOGIN_MAX_FAILURES = 3
LOGIN_WINDOW_SECONDS = 5

# A stand-in for ui/chat/app.py: it registers our auth and persistence hooks, and a startup
# hook that records every decision the REST API hands to `after_decision`.
CHAT_APP = """
import json
from contextlib import asynccontextmanager

import chainlit as cl

import ui.chat.auth  # noqa: F401
from ui.web.state import on_startup


@on_startup
@asynccontextmanager
async def record_decisions(state):
    path = state.settings.data_dir / "decisions.jsonl"

    async def hook(view):
        with path.open("a") as handle:
            handle.write(json.dumps({"id": view.id, "status": view.status}) + "\\n")

    state.after_decision = hook
    yield


@cl.on_message
async def on_message(message):
    await cl.Message(content="ok").send()
"""

SERVE = """
import sys
from pathlib import Path

import uvicorn

from core.settings import load_settings
from ui.web.app import create_app

app = create_app(load_settings(), chat_target=Path(sys.argv[1]), app_root=Path(sys.argv[2]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning")
"""


@dataclass
class Server:
    """A running app and where its files are."""

    url: str
    db_url: str
    data_dir: Path
    edit_root: Path
    stderr: Path

    def settings(self) -> Settings:
        """Settings for a second runtime in the test process, on the same database and key."""
        return Settings(
            data_dir=self.data_dir, database_url=self.db_url, config_edit_roots=[self.edit_root]
        )

    def client(self) -> httpx.Client:
        """An HTTP client for the app."""
        return httpx.Client(base_url=self.url, timeout=30)


def server_env(
    base: Path, db_url: str, data: Path, edit_root: Path, caddy_admin: str | None = None
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JARVIS_", "CHAINLIT_", "LITERAL_")) and k != "DATABASE_URL"
    }
    env.update(
        JARVIS_DATA_DIR=str(data),
        JARVIS_DATABASE_URL=db_url,
        JARVIS_CONFIG_EDIT_ROOTS=json.dumps([str(edit_root)]),
        JARVIS_LOGIN_MAX_FAILURES=str(LOGIN_MAX_FAILURES),
        JARVIS_LOGIN_WINDOW_SECONDS=str(LOGIN_WINDOW_SECONDS),
        JARVIS_BACKGROUND__ENABLED="false",  # the API tests count approvals: no patrols
        HOME=str(base),
        PYTHONPATH=str(REPO),
    )
    if caddy_admin is not None:
        # Domain workflows are asked for only when they could run: Caddy answers, and the
        # address A records point at is known (DNS managed by hand).
        env.update(
            JARVIS_DOMAINS__CADDY_ADMIN_URL=caddy_admin, JARVIS_DOMAINS__PUBLIC_IP="127.0.0.1"
        )
    return env


def wait_until_healthy(url: str, proc: subprocess.Popen[bytes], stderr: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the app exited ({proc.returncode}):\n{stderr.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"the app did not become healthy:\n{stderr.read_text()}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, caddy: Caddy
) -> Iterator[Server]:
    """The app with a temporary Chainlit root and chat module, on a free loopback port."""
    base = tmp_path_factory.mktemp(f"web-{request.param}")
    data, edit_root, root = base / "data", base / "contain", base / "approot"
    for folder in (data, edit_root, root / ".chainlit"):
        folder.mkdir(parents=True)
    shutil.copy(REPO / ".chainlit" / "config.toml", root / ".chainlit" / "config.toml")
    chat = base / "chat_app.py"
    chat.write_text(CHAT_APP)
    pg_name = None
    if request.param == "sqlite":
        db_url = f"sqlite:///{data / 'jarvis.db'}"
    else:
        pg_name = f"jarvis_test_{uuid.uuid4().hex[:12]}"
        db_url = _pg_create(pg_name)
    port = free_port()
    stderr = base / "stderr.txt"
    with stderr.open("wb") as err, (base / "stdout.txt").open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(chat), str(root), str(port)],
            env=server_env(base, db_url, data, edit_root, caddy.admin),
            cwd=base,
            stdout=out,
            stderr=err,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, proc, stderr)
        yield Server(url=url, db_url=db_url, data_dir=data, edit_root=edit_root, stderr=stderr)
    finally:
        stop(proc)
        if pg_name is not None:
            _pg_drop(pg_name)


@pytest.fixture
async def runtime(server: Server) -> AsyncIterator[Runtime]:
    """A second runtime on the app's database (the test's side: asks for approvals)."""
    rt = build_runtime(server.settings())
    yield rt
    await rt.close()
