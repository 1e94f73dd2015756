"""The container table's buttons and the log viewer's follow polling on another registered host
(sshd in a network namespace reaching the test engine), through the real gate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.settings import Settings
from memory.db import Database, upgrade
from memory.hosts import HostRecord
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from policies.wording import sentence
from tests.testbed.docker_fixtures import MakeContainer, wait_for
from tests.testbed.ssh_hosts import SshHost
from tools.catalog import build_registry
from tools.deps import ToolDeps
from tools.docker.client import connect
from tools.hosts.access import host_access
from tools.hosts.enrol import enrol
from ui.chat import widgets

USER = CallContext(actor="user:evin")
TICKS = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done"


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """SQLite only: the widgets do not depend on the database backend."""
    url = f"sqlite:///{tmp_path / 'jarvis.db'}"
    upgrade(url)
    yield url


@pytest.fixture
async def nas(database: Database, ssh_host: SshHost) -> HostRecord:
    return await enrol(database, "nas", ssh_host.login, 22, str(ssh_host.login_key), None, "t")


@pytest.fixture
def gate_on(
    database: Database, settings: Settings, docker_host: str, nas: HostRecord
) -> Iterator[Gate]:
    """The real gate whose tools reach the registered host `nas`."""
    deps = ToolDeps(
        settings,
        environ={"DOCKER_HOST": docker_host},
        db=database,
        docker_factory=connect,
        hosts_factory=host_access,
    )
    yield Gate(
        database,
        build_registry(),
        PolicyEngine(load_rules(None)),
        deps,
        Vault(load_key(settings)),
        approval_ttl=timedelta(minutes=10),
    )
    deps.close()


def _row(props: dict[str, Any], name: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [r for r in props["containers"] if r["name"] == name]
    assert len(rows) == 1, rows
    return rows[0]


def _sent(row: dict[str, Any]) -> dict[str, Any]:
    """What ContainerTable.jsx sends for a row (`targetOf`)."""
    return {"name": row["name"], "host": row["host"]} if row.get("host") else {"name": row["name"]}


@pytest.mark.docker
async def test_a_remote_rows_restart_runs_on_its_host(
    gate_on: Gate, make_container: MakeContainer
) -> None:
    box = make_container()
    name = str(box.name)
    first_start = box.attrs["State"]["StartedAt"]
    listed = await gate_on.invoke(USER, "docker.list_containers", {"host": "nas"})
    assert listed.status == "ok"
    props = widgets.container_table(listed.model_dump(mode="json"))
    row = _row(props, name)
    assert (props["host"], row["host"], row["buttons"]) == (
        "nas",
        "nas",
        ["logs", "restart", "stop"],
    )

    payload = widgets.ToolActionPayload.model_validate(
        {"tool": props["tools"]["restart"], "args": _sent(row)}
    )
    asked = await gate_on.invoke(USER, payload.tool, payload.args)
    assert asked.status == "approval_required" and asked.approval_id
    assert widgets.tool_reply(asked.model_dump(mode="json"))["text"].startswith("needs approval")
    pending = gate_on.approvals.view(await gate_on.approvals.get(asked.approval_id))
    assert (pending.args["name"], pending.args["host"]) == (name, "nas")
    assert sentence(pending).startswith(f"Restart {name} on nas"), sentence(pending)
    box.reload()
    assert box.attrs["State"]["StartedAt"] == first_start  # nothing ran before the answer

    done = await gate_on.decide(asked.approval_id, approve=True, by="user:evin")
    assert done.status == "executed", done
    box.reload()
    assert box.attrs["State"]["StartedAt"] != first_start
    assert box.attrs["State"]["Status"] == "running"


@pytest.mark.docker
async def test_remote_logs_and_their_follow_polling_read_the_host(
    gate_on: Gate, make_container: MakeContainer
) -> None:
    box = make_container(["sh", "-c", TICKS])
    name = str(box.name)
    assert wait_for(lambda: b"tick 2" in box.logs())
    listed = await gate_on.invoke(USER, "docker.list_containers", {"host": "nas"})
    row = _row(widgets.container_table(listed.model_dump(mode="json")), name)

    payload = widgets.ToolActionPayload.model_validate(
        {"tool": "docker.container_logs", "args": _sent(row)}
    )
    assert payload.args == {"name": name, "host": "nas"}
    outcome = (await gate_on.invoke(USER, payload.tool, payload.args)).model_dump(mode="json")
    assert outcome["status"] == "ok" and outcome["data"]["host"] == "nas"
    viewer = widgets.log_viewer(outcome, name)
    assert viewer["host"] == "nas" and viewer["lines"][0] == "tick 1"

    # Follow: what LogViewer.jsx sends, read as `on_logs` reads it, from the same host.
    time.sleep(1.0)
    poll = widgets.LogsPayload.model_validate(
        {"name": viewer["name"], "host": viewer["host"], "since": viewer["since"]}
    )
    args = {**poll.args(), "timestamps": True, "since": poll.since}
    polled = (await gate_on.invoke(USER, "docker.container_logs", args)).model_dump(mode="json")
    assert polled["invocation"]["args"]["host"] == "nas" and polled["data"]["host"] == "nas"
    reply = widgets.log_lines_reply(polled, poll.since)
    assert reply["status"] == "ok" and reply["lines"], reply
    assert all(line.startswith("tick ") for line in reply["lines"])
    assert not set(reply["lines"]) & set(viewer["lines"])  # only lines written since
