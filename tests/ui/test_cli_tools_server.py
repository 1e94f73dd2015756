"""`jarvis tools call` with a running `jarvis serve`: the server takes the call through the same
gate and audit log, the terminal loads none of the stack, prints what it would print itself,
and runs the tool in-process when no live server of its data dir can take it."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from memory.audit import latest_entries
from tests.testbed.cli import JARVIS
from tests.testbed.jarvis_server import JarvisServer, free_port
from tests.ui.test_cli_imports import heavy_in, imported
from ui.web.local_access import CALL_PATH, TOKEN_HEADER, LocalAccess, access_file, publish, read

pytestmark = pytest.mark.docker
# What the terminal loads only when it runs a tool itself.
STACK = ("sqlalchemy", "docker", "alembic", "structlog", "policies", "memory", "tools")
LIST = ["tools", "call", "docker.list_containers"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, docker_host: str) -> Iterator[JarvisServer]:
    base = tmp_path_factory.mktemp("served")
    served = JarvisServer(base, f"sqlite:///{base / 'data' / 'jarvis.db'}", docker_host)
    served.start()
    try:
        yield served
    finally:
        served.stop()


def elsewhere(server: JarvisServer, base: Path) -> dict[str, str]:
    """The environment of another installation (its own data dir and database), no server."""
    data = base / "data"
    return {
        **server.env(),
        "JARVIS_DATA_DIR": str(data),
        "JARVIS_DATABASE_URL": f"sqlite:///{data / 'jarvis.db'}",
    }


def run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JARVIS, *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def audited(db_url: str, actor: str) -> list[str]:
    """The tools the audit log records for `actor`."""
    return [row.tool or "" for row in latest_entries(db_url, 200) if row.actor == actor]


def dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(proc.stdout)


def test_the_running_server_takes_the_call_and_the_terminal_loads_no_stack(
    server: JarvisServer,
) -> None:
    path = access_file(server.data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    access = read(path)
    assert access is not None and server.proc is not None
    assert (access.url, access.pid) == (server.url, server.proc.pid)

    actor = f"user:fast-{uuid.uuid4().hex[:8]}"
    names, proc = imported([*LIST, "--actor", actor, "--json"], server.env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcome = json.loads(proc.stdout)
    assert outcome["status"] in ("ok", "no_data") and outcome["invocation"]["actor"] == actor
    # The answer came back, yet this process loaded neither the gate, the database nor Docker:
    # the server ran the gate, which wrote the audit entry under the terminal's actor.
    assert heavy_in(names, STACK) == [], heavy_in(names, STACK)
    assert "docker.list_containers" in audited(server.db_url, actor)
    assert f'POST {CALL_PATH} HTTP/1.1\\" 200' in server.log()  # uvicorn's line, as JSON

    human = run(server.env(), *LIST)
    assert human.returncode == 0, human.stderr
    assert re.match(r"docker\.list_containers \[(ok|no_data)\]\n\{\n", human.stdout)


NOT_READY = ["domains.provision", "--args", '{"fqdn": "app.example.net"}']  # no DNS provider


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["docker.restart_container", "--args", '{"bogus": 1}'], 2),
        (["docker.restart_contaner", "--args", '{"name": "x"}'], 2),
        (["docker.inspect_container", "--args", '{"name": "jarvis-test-no-such-box"}'], 2),
        (NOT_READY, 1),
        ([*NOT_READY, "--json"], 1),
    ],
)
def test_errors_read_and_exit_as_they_do_in_process(
    server: JarvisServer, tmp_path: Path, argv: list[str], code: int
) -> None:
    served = run(server.env(), "tools", "call", *argv)
    alone = run(elsewhere(server, tmp_path), "tools", "call", *argv)
    assert (served.returncode, served.stdout, served.stderr) == (
        alone.returncode,
        alone.stdout,
        alone.stderr,
    )
    assert served.returncode == code, served


def test_an_approval_over_the_server_says_how_to_approve(
    server: JarvisServer, tmp_path: Path, make_container: Any
) -> None:
    box = make_container()
    argv = ["tools", "call", "docker.restart_container", "--args", json.dumps({"name": box.name})]
    served = run(server.env(), *argv)
    assert served.returncode == 0, served.stderr
    match = re.fullmatch(
        r"docker\.restart_container \[approval_required\]: .+\n"
        r"approve with: jarvis approvals approve (\S+)\n",
        served.stdout,
    )
    assert match, served.stdout
    pending = json.loads(server.jarvis("approvals", "list", "--json").stdout)
    assert match.group(1) in [a["id"] for a in pending if a["status"] == "pending"]
    # The same words as a terminal that runs the call itself, but for the approval's id.
    alone = run(elsewhere(server, tmp_path), *argv)
    assert alone.returncode == 0, alone.stderr
    ids = re.compile(r"approve \S+$", re.MULTILINE)
    assert ids.sub("approve ID", served.stdout) == ids.sub("approve ID", alone.stdout)


@pytest.mark.parametrize("case", ["dead pid", "nothing listens", "wrong token"])
def test_without_a_live_server_to_take_it_the_call_runs_in_process(
    server: JarvisServer, tmp_path: Path, case: str
) -> None:
    live = read(access_file(server.data_dir))
    assert live is not None
    # The live server's own URL and token under a PID that is gone: the PID is what says no.
    access = {
        "dead pid": LocalAccess(server.url, dead_pid(), live.token),
        "nothing listens": LocalAccess(f"http://127.0.0.1:{free_port()}", live.pid, live.token),
        "wrong token": LocalAccess(server.url, live.pid, live.token[::-1]),
    }[case]
    env = elsewhere(server, tmp_path)
    publish(tmp_path / "data", access)
    actor = f"user:alone-{uuid.uuid4().hex[:8]}"
    names, proc = imported([*LIST, "--actor", actor, "--json"], env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["status"] in ("ok", "no_data")
    assert {"policies.gate", "memory.audit", "sqlalchemy"} <= names
    assert audited(env["JARVIS_DATABASE_URL"], actor) == ["docker.list_containers"]
    assert audited(server.db_url, actor) == []


def test_the_route_opens_to_the_servers_token_only(server: JarvisServer) -> None:
    live = read(access_file(server.data_dir))
    assert live is not None
    url = server.url + CALL_PATH
    body = {"tool": "docker.list_containers", "args": {}, "actor": "user:route-test"}

    def post(payload: Any, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(url, json=payload, headers=headers, timeout=30)

    assert post(body, {}).status_code == 401
    assert post(body, {TOKEN_HEADER: live.token[:-1]}).status_code == 401
    # Without the token, not even the shape of the body is told.
    assert post({"nonsense": 1}, {TOKEN_HEADER: "x" * 43}).status_code == 401
    key = json.loads(server.jarvis("apikey", "create", "local-route", "--json").stdout)["key"]
    assert post(body, {"Authorization": f"Bearer {key}"}).status_code == 401
    assert audited(server.db_url, "user:route-test") == []

    token = {TOKEN_HEADER: live.token}
    assert post({**body, "extra": 1}, token).status_code == 422
    assert post({**body, "actor": "user:bob\n"}, token).status_code == 422
    assert post({**body, "actor": "root"}, token).status_code == 422
    page = {**token, "Origin": "http://evil.example"}
    assert post(body, page).status_code == 403
    answer = post(body, token)
    assert answer.status_code == 200 and answer.json()["invocation"]["actor"] == "user:route-test"
    assert post({**body, "args": {"bogus": 1}}, token).status_code == 400
    assert CALL_PATH not in httpx.get(server.url + "/openapi.json", timeout=30).text


def test_the_file_lives_as_long_as_its_server(tmp_path: Path, docker_host: str) -> None:
    served = JarvisServer(tmp_path, f"sqlite:///{tmp_path / 'data' / 'jarvis.db'}", docker_host)
    path = access_file(served.data_dir)
    served.start()
    try:
        first = read(path)
        assert first is not None and served.proc is not None and first.pid == served.proc.pid
        served.proc.kill()  # killed outright: the file stays, naming a dead process
        served.proc.wait(timeout=10)
        assert read(path) == first
        names, proc = imported([*LIST, "--json"], served.env())
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "memory.audit" in names
        served.start()
        second = read(path)
        assert second is not None and second.token != first.token
    finally:
        served.stop()
    assert not path.exists()
