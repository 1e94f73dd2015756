"""SSH to a second host (sshd in a network namespace): pinning, reuse, refusal, the tools."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import psutil
import pytest

from core.errors import AuthFailed, BadInput, NotFound, Unreachable
from core.settings import Settings
from memory.db import Database
from memory.findings import list_findings
from memory.hosts import HostRecord, get_host, list_hosts
from memory.vault import Vault, load_key
from policies.engine import PolicyEngine
from policies.gate import CallContext, Gate
from policies.rules import load_rules
from policies.wording import plain_words
from tests.testbed.docker_fixtures import MakeContainer
from tests.testbed.ssh_hosts import SshHost
from tools.catalog import build_registry
from tools.checks.base import CheckContext
from tools.checks.runner import diagnose
from tools.checks.ssh_hosts import ssh_keys
from tools.deps import ToolDeps
from tools.docker.client import connect
from tools.hosts.access import HostAccess, host_access
from tools.hosts.enrol import enrol
from tools.hosts.keys import HostKeyChanged
from tools.hosts.ssh import check_argv

ME = "user:tester"


@pytest.fixture
async def nas(database: Database, ssh_host: SshHost) -> HostRecord:
    return await enrol(database, "nas", ssh_host.login, 22, str(ssh_host.login_key), None, ME)


@pytest.fixture
async def access(database: Database) -> AsyncIterator[HostAccess]:
    found = HostAccess(database, command_timeout=30, output_cap=1 << 20)
    yield found
    found.close()


@pytest.fixture
def remote_deps(settings: Settings, database: Database, docker_host: str) -> Iterator[ToolDeps]:
    deps = ToolDeps(
        settings,
        environ={"DOCKER_HOST": docker_host},
        db=database,
        docker_factory=connect,
        hosts_factory=host_access,
    )
    yield deps
    deps.close()


@pytest.fixture
def gate_on(database: Database, remote_deps: ToolDeps, settings: Settings) -> Gate:
    """The real gate whose tools reach registered hosts."""
    return Gate(
        database,
        build_registry(),
        PolicyEngine(load_rules(None)),
        remote_deps,
        Vault(load_key(settings)),
        approval_ttl=timedelta(minutes=10),
    )


async def test_first_contact_pins_the_offered_key(nas: HostRecord, ssh_host: SshHost) -> None:
    assert nas.fingerprint == ssh_host.fingerprint  # as ssh-keygen -lf prints it
    assert f"{nas.host_key_type} {nas.host_key}" == ssh_host.host_key_line
    assert nas.address == ssh_host.address and nas.username == "root"


async def test_bad_input_stores_nothing(database: Database, ssh_host: SshHost) -> None:
    key = str(ssh_host.login_key)
    with pytest.raises(BadInput, match="USER@ADDRESS"):
        await enrol(database, "nas", "10.77.41.2", 22, key, None, ME)
    with pytest.raises(BadInput, match="no such file"):
        await enrol(database, "nas", ssh_host.login, 22, key + ".missing", None, ME)
    with pytest.raises(BadInput, match="reserved"):
        await enrol(database, "local", ssh_host.login, 22, key, None, ME)
    with pytest.raises(Unreachable, match="did not answer"):
        await enrol(database, "nas", ssh_host.login, 2, key, None, ME)  # nothing listens there
    with pytest.raises(AuthFailed, match="refused the key"):
        await enrol(database, "nas", ssh_host.login, 22, str(ssh_host.keys[0]), None, ME)
    assert await list_hosts(database) == []


async def test_known_host_key_must_match(
    database: Database, ssh_host: SshHost, tmp_path: Path
) -> None:
    key = str(ssh_host.login_key)
    made = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")]
    subprocess.run(made, check=True, capture_output=True)
    wrong = " ".join((tmp_path / "k.pub").read_text().split()[:2])
    with pytest.raises(HostKeyChanged) as refused:
        await enrol(database, "nas", ssh_host.login, 22, key, wrong, ME)
    assert refused.value.offered == ssh_host.fingerprint
    assert await list_hosts(database) == []
    right = await enrol(database, "nas", ssh_host.login, 22, key, ssh_host.host_key_line, ME)
    assert right.fingerprint == ssh_host.fingerprint


async def test_commands_reuse_one_connection_and_reconnect(
    nas: HostRecord, access: HostAccess
) -> None:
    for _ in range(5):
        out = await access.run("nas", ("uname", "-s"))
        assert out.stdout.strip() == "Linux"
    assert access.pool.connects == 1
    target = await access.target("nas")
    access.pool.transport(target).close()  # the connection dies (sshd restart, network)
    assert (await access.run("nas", ("true",))).exit_code == 0
    assert access.pool.connects == 2
    with pytest.raises(NotFound, match="jarvis hosts list"):
        await access.run("nope", ("true",))


def test_only_fixed_words_reach_the_remote_shell() -> None:
    assert check_argv(("df", "-P", "-B1", "-T")) == "df -P -B1 -T"
    for bad in (("cat", "/etc/passwd;id"), ("cat", "$(id)"), ("cat", "a b"), ("rm", "-rf")):
        with pytest.raises(BadInput):
            check_argv(bad)


async def test_system_disks_and_memory_over_ssh(nas: HostRecord, gate_on: Gate) -> None:
    ctx = CallContext(actor=ME)
    out = await gate_on.invoke(ctx, "system.disks", {"host": "nas"})
    assert out.status == "ok", out
    data = out.data or {}
    assert data["host"] == "nas"
    # The namespace shares this machine's filesystem: the same root disk, seen through df.
    root = next(m for m in data["mounts"] if m["path"] == "/")
    assert root["total"] == psutil.disk_usage("/").total and root["inodes_total"] > 0
    local = await gate_on.invoke(ctx, "system.disks", {})
    assert (local.data or {})["host"] == "local"
    assert {m["path"] for m in data["mounts"]} == {m["path"] for m in (local.data or {})["mounts"]}

    mem = await gate_on.invoke(ctx, "system.memory", {"host": "nas", "top": 3})
    assert mem.status == "ok", mem
    memory = (mem.data or {})["memory"]
    assert memory["total"] == psutil.virtual_memory().total
    assert len((mem.data or {})["top_processes"]) == 3

    refused = await gate_on.invoke(ctx, "system.network", {"host": "nas"})
    assert refused.status == "error" and "this machine only" in (refused.message or "")


async def test_docker_over_ssh(
    nas: HostRecord, gate_on: Gate, make_container: MakeContainer, remote_deps: ToolDeps
) -> None:
    made = make_container()
    out = await gate_on.invoke(CallContext(actor=ME), "docker.list_containers", {"host": "nas"})
    assert out.status == "ok", out
    rows = (out.data or {})["containers"]
    mine = [r for r in rows if r["name"] == made.name]
    assert mine and mine[0]["host"] == "nas" and mine[0]["state"] == "running"
    # The SSH connection dies between two calls: the next one reconnects (key checked again).
    access = remote_deps.hosts
    access.pool.transport(await access.target("nas")).close()
    again = await gate_on.invoke(CallContext(actor=ME), "docker.list_containers", {"host": "nas"})
    assert again.status == "ok" and access.pool.connects == 2
    inspect = await gate_on.invoke(
        CallContext(actor=ME), "docker.inspect_container", {"host": "nas", "name": made.name}
    )
    assert inspect.status == "ok" and (inspect.data or {})["name"] == made.name


async def test_changed_host_key_is_refused_and_reported(
    database: Database, nas: HostRecord, ssh_host: SshHost, gate_on: Gate, remote_deps: ToolDeps
) -> None:
    ctx = CallContext(actor=ME)
    assert (await gate_on.invoke(ctx, "system.disks", {"host": "nas"})).status == "ok"
    ssh_host.start(new_host_key=True)
    try:
        for tool in ("system.disks", "docker.list_containers"):
            out = await gate_on.invoke(ctx, tool, {"host": "nas"})
            assert out.status == "error", out
            message = out.message or ""
            assert nas.fingerprint in message and ssh_host.fingerprint in message
            assert "re-pin" in message and "nothing was run" in message
        report = await diagnose(
            [ssh_keys], CheckContext(remote_deps, database), database, run_id=None
        )
        [finding] = report.opened
        assert finding.resource == "host:nas" and finding.severity == "critical"
        assert finding.evidence["offered"] == ssh_host.fingerprint
        assert (await get_host(database, "nas")).fingerprint == nas.fingerprint  # not re-pinned
        listed = await list_findings(database, status="open")
        assert [f.check for f in listed] == ["host.ssh_keys"]
    finally:
        ssh_host.restore()
    out = await gate_on.invoke(ctx, "system.disks", {"host": "nas"})
    assert out.status == "ok"
    report = await diagnose([ssh_keys], CheckContext(remote_deps, database), database, run_id=None)
    assert [f.resource for f in report.closed] == ["host:nas"]


async def test_a_change_on_another_host_is_asked_and_says_where(
    nas: HostRecord, gate_on: Gate, make_container: MakeContainer
) -> None:
    made = make_container(start=False)
    args = {"host": "nas", "name": made.name}
    out = await gate_on.invoke(CallContext(actor=ME), "docker.start_container", args)
    # The default allow rules name no host for changes: on another host a person decides.
    assert out.status == "approval_required" and out.rule == "builtin:no-rule"
    view = gate_on.approvals.view(await gate_on.approvals.get(out.approval_id or ""))
    assert plain_words(view)["headline"] == f"Start {made.name} on nas"
    made.reload()
    assert made.status == "created"  # nothing ran


async def test_the_check_connects_afresh_so_a_kept_connection_hides_nothing(
    database: Database, nas: HostRecord, ssh_host: SshHost, remote_deps: ToolDeps
) -> None:
    access = remote_deps.hosts
    assert (await access.run("nas", ("true",))).exit_code == 0
    ssh_host.start(new_host_key=True, keep_sessions=True)  # the old connection lives on
    try:
        # The kept connection is still the one to the host as pinned when it opened ...
        assert (await access.run("nas", ("true",))).exit_code == 0
        # ... but the check asks what the host offers now.
        report = await diagnose(
            [ssh_keys], CheckContext(remote_deps, database), database, run_id=None
        )
        [finding] = report.opened
        assert finding.evidence["offered"] == ssh_host.fingerprint
        with pytest.raises(HostKeyChanged):
            await access.run("nas", ("true",))  # the failed check left no connection behind
    finally:
        access.close()
        ssh_host.restore()
