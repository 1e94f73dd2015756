"""The `jarvis` command line contract, run as a real process against the real engine."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.testbed.cli import JARVIS, Cli


@pytest.fixture
def cli(tmp_path: Path, db_url: str, docker_host: str) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
    env.update(
        JARVIS_DATA_DIR=str(tmp_path / "data"),
        JARVIS_DATABASE_URL=db_url,
        DOCKER_HOST=docker_host,
        HOME=str(tmp_path),
    )
    return Cli(env)


def tamper(db_url: str, sql: str) -> None:
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql)
    else:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(sql)


@pytest.mark.docker
def test_restart_flow_through_the_cli(cli: Cli, make_container: Any, db_url: str) -> None:
    box = make_container()
    before = box.attrs["State"]["StartedAt"]
    tools = cli.json("tools", "list")
    assert {"name", "risk", "resource", "description"} <= set(tools[0])
    assert "docker.restart_container" in {t["name"] for t in tools}

    decision = cli.json(
        "policy", "check", "docker.restart_container", "--args", json.dumps({"name": box.name})
    )
    assert decision == {
        "decision": "ask",
        "rule": "builtin:no-rule",
        "reason": "no rule allows this call",
    }

    asked = cli.json(
        "tools",
        "call",
        "docker.restart_container",
        "--args",
        json.dumps({"name": box.name, "timeout": 0}),
    )
    assert asked["status"] == "approval_required" and asked["approval_id"]
    pending = cli.json("approvals", "list", "--status", "pending")
    assert [p["id"] for p in pending] == [asked["approval_id"]]
    box.reload()
    assert box.attrs["State"]["StartedAt"] == before

    done = cli.json("approvals", "approve", asked["approval_id"])
    assert done["status"] == "executed" and done["result"]["status"] == "ok"
    box.reload()
    after = box.attrs["State"]["StartedAt"]
    assert after != before
    again = cli.json("approvals", "approve", asked["approval_id"])
    assert again["status"] == "executed"
    box.reload()
    assert box.attrs["State"]["StartedAt"] == after

    assert cli.json("audit", "verify")["ok"] is True
    entries = cli.json("audit", "tail", "--limit", "50")
    executed = [e for e in entries if e["event"] == "executed"]
    assert executed and executed[-1]["tool"] == "docker.restart_container"
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert str(executed[-1]["seq"]) in cli("audit", "tail").stdout
    tamper(db_url, "UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 2")
    report = cli.json("audit", "verify", code=1)
    assert report["first_bad_seq"] == 2
    proc = cli("audit", "verify", code=1)
    assert "TAMPERED at entry 2" in proc.stdout


@pytest.mark.docker
def test_audit_verify_catches_the_newest_entries_deleted(
    cli: Cli, db_url: str, make_container: Any
) -> None:
    box = make_container()
    for _ in range(3):
        cli.json(
            "tools", "call", "docker.inspect_container", "--args", json.dumps({"name": box.name})
        )
    report = cli.json("audit", "verify")
    assert report["ok"] is True and report["entries"] == 3 and report["checkpoint_seq"] == 3
    # Delete the newest entry and point the head at the one before, as a database writer could.
    tamper(db_url, "DELETE FROM audit_log WHERE seq = 3")
    tamper(
        db_url,
        "UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_log WHERE seq = 2)",
    )
    report = cli.json("audit", "verify", code=1)
    assert report["ok"] is False and "not signed" in report["problem"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_status_warns_about_data_files_others_can_read_and_makes_them_private(
    cli: Cli, tmp_path: Path, db_url: str
) -> None:
    data, db = tmp_path / "data", Path(db_url.removeprefix("sqlite:///"))
    cli("status")  # a first start makes everything private
    private = [data, data / "secret.key", db, tmp_path / "data-audit-checkpoints.jsonl"]
    assert [oct(stat.S_IMODE(p.stat().st_mode)) for p in private] == ["0o700"] + ["0o600"] * 3
    assert cli.json("status")["warnings"] == []
    # An install from before (or a careless chmod): the next status says so, then fixes it.
    data.chmod(0o755)
    db.chmod(0o644)
    warnings = cli.json("status")["warnings"]
    assert any(w.startswith(f"{data} is 0755") for w in warnings), warnings
    assert any(w.startswith(f"{db} is 0644") for w in warnings), warnings
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert "now made private" in cli("status").stdout or cli.json("status")["warnings"] == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_input_exits_2_with_one_line(cli: Cli) -> None:
    for argv, needle in [
        (["tools", "call", "docker.restart_container", "--args", "{not json"], "not valid JSON"),
        (["tools", "call", "docker.restart_container", "--args", "[1]"], "JSON object"),
        (["tools", "call", "docker.restart_container", "--args", '{"nmae": "x"}'], "nmae"),
        (["tools", "call", "docker.restrat_container", "--args", '{"name": "x"}'], "did you mean"),
        (["approvals", "list", "--status", "bogus"], "--status"),
        (["policy", "check", "docker.start_container", "--args", '{"name": 5}'], "name"),
    ]:
        proc = cli(*argv, code=2)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], (argv, proc.stderr)
    assert cli.json("approvals", "list") == []


@pytest.mark.docker
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_misspelt_container_is_bad_input_with_a_hint_for_reads_and_writes(
    cli: Cli, make_container: Any
) -> None:
    box = make_container()
    typo = box.name[:-1] + ("x" if box.name[-1] != "x" else "y")
    for tool in ("docker.inspect_container", "docker.container_logs", "docker.restart_container"):
        proc = cli("tools", "call", tool, "--args", json.dumps({"name": typo}), code=2)
        assert f"did you mean {box.name}" in proc.stderr, (tool, proc.stderr)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unknown_tool_policy_check_says_deny(cli: Cli) -> None:
    assert cli.json("policy", "check", "shell.run")["decision"] == "deny"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_policy_file_with_typo_is_refused(cli: Cli, tmp_path: Path) -> None:
    policy = tmp_path / "mine.yaml"
    policy.write_text("rules:\n  - id: plex-ok\n    effect: allow\n    actor: [user:evin]\n")
    cli.env["JARVIS_POLICY_FILE"] = str(policy)
    proc = cli("tools", "call", "system.overview", code=2)
    assert str(policy) in proc.stderr and "plex-ok" in proc.stderr and "'actor'" in proc.stderr
    proc = cli("policy", "validate", str(policy), code=2)
    assert "unknown field" in proc.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_unreachable_engine_is_a_clear_failure(cli: Cli) -> None:
    cli.env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
    out = cli.json("tools", "call", "docker.list_containers", code=1)
    assert out["status"] == "error" and "unix:///nonexistent/docker.sock" in out["message"]
    status = cli("status")
    assert "nonexistent" in status.stdout and "Traceback" not in status.stdout + status.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_db_upgrade_creates_the_embedded_database(cli: Cli, tmp_path: Path) -> None:
    cli.env.pop("JARVIS_DATABASE_URL")
    proc = cli("db", "upgrade")
    assert (
        proc.stdout.startswith("database created at revision 0") and "up to date" not in proc.stdout
    )
    assert (tmp_path / "data" / "jarvis.db").is_file()
    assert "up to date at revision" in cli("db", "upgrade").stdout
    assert cli.json("approvals", "list") == []
    listed = cli("tools", "list").stdout.splitlines()
    assert any("docker.restart_container" in line and "container:{name}" in line for line in listed)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_bad_settings_actors_and_databases_are_one_line_errors(cli: Cli, tmp_path: Path) -> None:
    cases = [
        ({"JARVIS_LOG_LEVEL": "verbose"}, ["approvals", "list"], 2, "LOG_LEVEL"),
        ({"JARVIS_CONFIG_EDIT_ROOTS": "/tmp"}, ["approvals", "list"], 2, "invalid setting"),
        ({"JARVIS_APPROVAL_TTL_SECONDS": "soon"}, ["approvals", "list"], 2, "APPROVAL_TTL_SECONDS"),
        ({}, ["tools", "call", "system.overview", "--actor", "root"], 2, "--actor"),
        ({}, ["approvals", "approve", "x", "--by", "someone else"], 2, "--by"),
        ({}, ["approvals", "approve", "not-a-uuid"], 2, "not an approval id"),
        ({}, ["approvals", "show", "not-a-uuid"], 2, "not an approval id"),
        (
            {"JARVIS_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
            ["approvals", "list"],
            1,
            "database problem",
        ),
        ({"JARVIS_DATABASE_URL": "mysql://x@127.0.0.1/y"}, ["approvals", "list"], 2, "unsupported"),
    ]
    for extra, argv, code, needle in cases:
        env = {**cli.env, **extra}
        proc = subprocess.run(
            [JARVIS, *argv], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == code and len(lines) == 1 and needle in lines[0], (
            argv,
            extra,
            proc.returncode,
            proc.stderr,
        )
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "jarvis.toml").write_text("approval_ttl_seconds = [")
    proc = subprocess.run(
        [JARVIS, "approvals", "list"],
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path / "work",
        check=False,
    )
    assert proc.returncode == 2 and "TOML" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_agents_cannot_approve(cli: Cli) -> None:
    proc = cli("approvals", "approve", "some-id", "--by", "agent:autonomous", code=2)
    assert "person" in proc.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_read_with_the_engine_down_reports_the_engine_not_the_name(cli: Cli) -> None:
    cli.env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
    out = cli.json(
        "tools", "call", "docker.inspect_container", "--args", '{"name": "plex"}', code=1
    )
    assert out["status"] == "error" and "unix:///nonexistent/docker.sock" in out["message"]
