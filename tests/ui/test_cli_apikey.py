"""`jarvis apikey` and `jarvis serve`, run as real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from memory.db import Database
from tests.ui.web.conftest import free_port, stop, wait_until_healthy
from ui.web.apikeys import ApiKeyStore

JARVIS = str(Path(sys.executable).parent / "jarvis")
REPO = Path(__file__).resolve().parents[2]


def jarvis_env(tmp_path: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARVIS_", "CHAINLIT_"))}
    env.update(
        JARVIS_DATA_DIR=str(tmp_path / "data"), JARVIS_DATABASE_URL=db_url, HOME=str(tmp_path)
    )
    return env


def run(env: dict[str, str], *argv: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [JARVIS, *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == code, (argv, proc.returncode, proc.stdout, proc.stderr)
    return proc


async def test_create_list_revoke(tmp_path: Path, db_url: str) -> None:
    env = jarvis_env(tmp_path, db_url)
    made = json.loads(run(env, "apikey", "create", "ci-bot", "--json").stdout)
    key = made["key"]
    assert key.startswith(made["prefix"] + "_") and "only once" in made["warning"]

    plain = run(env, "apikey", "create", "phone")
    [line] = plain.stdout.splitlines()
    assert line.startswith("jv_") and "shown only once" in plain.stderr
    assert line not in plain.stderr

    listed = json.loads(run(env, "apikey", "list", "--json").stdout)
    assert [k["name"] for k in listed] == ["phone", "ci-bot"]
    assert key not in json.dumps(listed) and "key_hash" not in listed[0]
    human = run(env, "apikey", "list").stdout
    assert "ci-bot" in human and made["prefix"] in human and key not in human

    settings = Settings(data_dir=tmp_path / "data", database_url=db_url)
    db = Database(settings.resolved_database_url)
    try:
        store = ApiKeyStore(db)
        assert await store.verify(key) is not None
        revoked = json.loads(run(env, "apikey", "revoke", "ci-bot", "--json").stdout)
        assert revoked["revoked_at"] is not None
        assert await store.verify(key) is None
    finally:
        await db.close()

    run(env, "apikey", "revoke", "ci-bot")  # again: nothing changes, still fine
    err = run(env, "apikey", "revoke", "tablet", code=1).stderr
    assert err.strip() == "error: no API key named 'tablet'"
    err = run(env, "apikey", "create", "phone", code=1).stderr
    assert "exists already" in err and len(err.strip().splitlines()) == 1
    err = run(env, "apikey", "create", "bad name", code=2).stderr
    assert "key name" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_serve_runs_the_real_chat_app(tmp_path: Path, db_url: str) -> None:
    root = tmp_path / "approot"
    (root / ".chainlit").mkdir(parents=True)
    shutil.copy(REPO / ".chainlit" / "config.toml", root / ".chainlit" / "config.toml")
    env = jarvis_env(tmp_path, db_url)
    env.update(CHAINLIT_APP_ROOT=str(root), JARVIS_ADMIN_PASSWORD="a configured passphrase")
    port = free_port()
    stderr = tmp_path / "serve.err"
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [JARVIS, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, proc, stderr)
        with httpx.Client(base_url=url, timeout=30) as http:
            assert http.get("/api/v1/approvals").status_code == 401
            login = {"username": "admin", "password": "a configured passphrase"}
            assert http.post("/login", data=login).status_code == 200
            assert http.get("/user").json()["identifier"] == "admin"
    finally:
        stop(proc)
    assert not (tmp_path / "data" / "initial-admin-password").exists()
    assert "a configured passphrase" not in stderr.read_text()
    assert (root / ".chainlit" / "config.toml").exists()
    assert not (tmp_path / ".chainlit").exists()  # Chainlit used the given root, not the cwd


def test_serve_rejects_a_bad_port() -> None:
    proc = subprocess.run(
        [JARVIS, "serve", "--port", "70000"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2 and "65535" in proc.stderr
