"""`jarvis hosts` and tool calls with `host`, as real processes against sshd in a namespace."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.testbed.cli import Cli
from tests.testbed.docker_fixtures import MakeContainer
from tests.testbed.ssh_hosts import SshHost


@pytest.fixture
def cli(tmp_path: Path, docker_host: str) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARVIS_", "CHAINLIT_"))}
    env.update(JARVIS_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path), DOCKER_HOST=docker_host)
    return Cli(env)


def _add(
    cli: Cli, ssh_host: SshHost, *extra: str, code: int = 0
) -> subprocess.CompletedProcess[str]:
    key = str(ssh_host.login_key)
    return cli("hosts", "add", "nas", "--ssh", ssh_host.login, "--key", key, *extra, code=code)


def _call(cli: Cli, tool: str, args: dict[str, object], code: int = 0) -> dict[str, object]:
    out = cli("tools", "call", tool, "--args", json.dumps(args), "--json", code=code)
    found: dict[str, object] = json.loads(out.stdout)
    return found


def test_add_pins_on_first_use_and_tools_answer_from_the_host(
    cli: Cli, ssh_host: SshHost, make_container: MakeContainer
) -> None:
    shown = _add(cli, ssh_host).stdout
    assert ssh_host.fingerprint in shown and "trusted on first use" in shown
    [listed] = cli.json("hosts", "list")
    assert listed["name"] == "nas" and listed["fingerprint"] == ssh_host.fingerprint
    assert listed["address"] == "10.77.41.2" and listed["port"] == 22
    assert "nas" in cli("hosts", "list").stdout

    disks = _call(cli, "system.disks", {"host": "nas"})
    data = disks["data"]
    assert isinstance(data, dict) and disks["status"] == "ok"
    assert data["host"] == "nas" and "/" in {m["path"] for m in data["mounts"]}

    made = make_container()
    containers = _call(cli, "docker.list_containers", {"host": "nas"})
    rows = containers["data"]["containers"]  # type: ignore[index]
    assert [r["host"] for r in rows if r["name"] == made.name] == ["nas"]

    hosts = _call(cli, "hosts.list", {})
    assert [h["name"] for h in hosts["data"]["hosts"]] == ["nas"]  # type: ignore[index]

    unknown = _call(cli, "system.disks", {"host": "nope"}, code=1)
    assert "no host called 'nope'" in str(unknown["message"])
    cli("hosts", "remove", "nas")
    assert cli.json("hosts", "list") == []


def test_bad_input_is_refused_and_nothing_is_stored(
    cli: Cli, ssh_host: SshHost, tmp_path: Path
) -> None:
    key = str(ssh_host.login_key)
    bad = cli("hosts", "add", "nas", "--ssh", "root-at-nowhere", "--key", key, code=2)
    assert "USER@ADDRESS" in bad.stderr
    missing = cli("hosts", "add", "nas", "--ssh", ssh_host.login, "--key", key + "x", code=2)
    assert "no such file" in missing.stderr
    closed = cli(
        "hosts", "add", "nas", "--ssh", ssh_host.login, "--key", key, "--port", "2", code=1
    )
    assert "did not answer" in closed.stderr
    other = str(ssh_host.keys[0])  # a key the host does not accept for login
    refused = cli("hosts", "add", "nas", "--ssh", ssh_host.login, "--key", other, code=1)
    assert "refused the key" in refused.stderr

    made = ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")]
    subprocess.run(made, check=True, capture_output=True)
    wrong = " ".join((tmp_path / "k.pub").read_text().split()[:2])
    mismatch = _add(cli, ssh_host, "--known-host-key", wrong, code=1)
    assert ssh_host.fingerprint in mismatch.stderr and "refused" in mismatch.stderr
    assert cli.json("hosts", "list") == []

    right = json.loads(
        _add(cli, ssh_host, "--known-host-key", ssh_host.host_key_line, "--json").stdout
    )
    assert right["fingerprint"] == ssh_host.fingerprint
    assert "known-host-key" in right["pinned"]


def test_changed_host_key_refuses_calls_and_raises_a_finding(cli: Cli, ssh_host: SshHost) -> None:
    _add(cli, ssh_host)
    pinned = ssh_host.fingerprint
    ssh_host.start(new_host_key=True)
    try:
        for tool in ("system.disks", "docker.list_containers"):
            out = _call(cli, tool, {"host": "nas"}, code=1)
            message = str(out["message"])
            assert pinned in message and ssh_host.fingerprint in message and "re-pin" in message
        findings = cli.json("diagnose")
        mine = [f for f in findings["findings"] if f["check"] == "host.ssh_keys"]
        assert [(f["resource"], f["severity"]) for f in mine] == [("host:nas", "critical")]
        [listed] = cli.json("hosts", "list")
        assert listed["fingerprint"] == pinned  # nothing was re-pinned
    finally:
        ssh_host.restore()
    assert _call(cli, "system.disks", {"host": "nas"})["status"] == "ok"


def test_policy_rules_match_a_host(
    cli: Cli, ssh_host: SshHost, tmp_path: Path, make_container: MakeContainer
) -> None:
    name = str(make_container().name)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\nrules:\n"
        "  - id: nas-hands-off\n    effect: deny\n    tools: [docker.*]\n    hosts: [nas]\n"
        "  - id: local-restarts\n    effect: allow\n    tools: [docker.restart_container]\n"
        f"    resources: ['container:{name}']\n"
        "  - id: nas-restarts\n    effect: allow\n    tools: [docker.restart_container]\n"
        f"    hosts: ['host:nas']\n    resources: ['container:{name}']\n"
    )
    cli.env["JARVIS_POLICY_FILE"] = str(policy)
    _add(cli, ssh_host)
    denied = _call(cli, "docker.list_containers", {"host": "nas"}, code=1)
    assert denied["status"] == "denied" and denied["rule"] == "nas-hands-off"
    assert _call(cli, "docker.list_containers", {})["status"] == "ok"  # this machine: as before
    assert _call(cli, "system.disks", {"host": "nas"})["status"] == "ok"

    def check(args: dict[str, str]) -> tuple[str, str]:
        found = cli.json("policy", "check", "docker.restart_container", "--args", json.dumps(args))
        return found["decision"], found["rule"]

    assert check({"name": name}) == ("allow", "local-restarts")
    assert check({"name": name, "host": "nas"}) == ("deny", "nas-hands-off")
    policy.write_text(policy.read_text().replace("effect: deny", "effect: ask"))
    assert check({"name": name, "host": "nas"}) == ("ask", "nas-hands-off")
    policy.write_text(policy.read_text().replace("    hosts: [nas]\n", "    hosts: [backup*]\n"))
    # An allow rule naming no host covers this machine only; nas-restarts names nas.
    assert check({"name": name, "host": "nas"}) == ("allow", "nas-restarts")
    policy.write_text(policy.read_text().replace("host:nas", "host:other"))
    assert check({"name": name, "host": "nas"}) == ("ask", "builtin:no-rule")
    assert check({"name": name}) == ("allow", "local-restarts")
