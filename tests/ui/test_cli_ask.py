"""`jarvis ask` in a terminal: a change that waits says how to answer it from the terminal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.testbed.cli import Cli


@pytest.fixture
def cli(tmp_path: Path, docker_host: str) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
    env.update(JARVIS_DATA_DIR=str(tmp_path / "data"), DOCKER_HOST=docker_host, HOME=str(tmp_path))
    return Cli(env)


@pytest.mark.docker
def test_a_change_that_waits_names_the_commands_that_answer_it(
    cli: Cli, make_container: Any
) -> None:
    stopped = make_container(start=False)
    out = cli("ask", f"start {stopped.name}").stdout
    pending = cli.json("approvals", "list", "--status", "pending")
    assert [p["tool"] for p in pending] == ["docker.start_container"]
    approval = pending[0]["id"]
    assert f"jarvis approvals approve {approval}" in out
    assert f"jarvis approvals reject {approval}" in out
    assert "card" not in out.lower()
    # The terminal's answer works as the words say.
    cli("approvals", "reject", approval)
    stopped.reload()
    assert stopped.status == "created"


@pytest.mark.docker
def test_a_plan_for_a_change_asks_nothing(cli: Cli, make_container: Any) -> None:
    stopped = make_container(start=False)
    plan = cli.json("ask", f"start {stopped.name}", "--plan")
    assert [c["name"] for c in plan["tool_calls"]] == ["docker.start_container"]
    assert plan["tool_calls"][0]["status"] == "planned"
    assert cli.json("approvals", "list") == []
