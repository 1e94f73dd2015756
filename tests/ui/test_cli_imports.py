"""`jarvis` starts light: help and an offline plan leave the heavy stacks unimported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.core import TyperGroup
from typer.main import get_command

from tests.testbed.cli import JARVIS
from ui.cli.lazy import load
from ui.cli.main import COMMANDS, app

# What only some commands need: the LLM client, the web UI, notifications, Docker, the database.
HEAVY = ("openai", "langchain", "chainlit", "apprise", "docker", "sqlalchemy")
# What the agent's chat path loads: an offline plan needs none of it.
AGENT_STACK = ("openai", "langchain", "langgraph")
# Groups whose help needs no more than typer (approvals, domains, runs and schedule list choices
# kept with their stores).
LIGHT_GROUPS = ["db", "tools", "policy", "audit", "apikey", "notify", "integrations"]
LIGHT_COMMANDS = ["status", "ask", "serve", "eval", "diagnose", "worker"]


def imported(
    argv: list[str], env: dict[str, str]
) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Run `jarvis ARGV` with -X importtime; every module it imported, and the process."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", JARVIS, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return names, proc


def heavy_in(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    """The imported modules that belong to one of the `prefixes` packages."""
    return sorted(n for n in names if n.split(".")[0].startswith(prefixes))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JARVIS_", "OPENAI_", "LANGCHAIN_", "LANGSMITH_"))
    }
    return {**clean, "JARVIS_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}


def test_help_imports_nothing_heavy(env: dict[str, str]) -> None:
    names, proc = imported(["--help"], env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ui.cli.main" in names and "status" in proc.stdout
    assert heavy_in(names, HEAVY) == []
    assert not any(n.startswith("ui.cli.") and n.endswith("_cmd") for n in names)


@pytest.mark.parametrize("command", LIGHT_GROUPS + LIGHT_COMMANDS)
def test_a_command_help_imports_nothing_heavy(env: dict[str, str], command: str) -> None:
    names, proc = imported([command, "--help"], env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"jarvis {command}" in proc.stdout
    assert heavy_in(names, HEAVY) == []


def test_an_offline_plan_loads_only_the_router(env: dict[str, str], docker_host: str) -> None:
    names, proc = imported(
        ["ask", "restart plex", "--plan", "--json"], {**env, "DOCKER_HOST": docker_host}
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    plan = json.loads(proc.stdout)
    assert plan["thread_id"] == "plan" and plan["reply"]
    # The router ran, without the chat-model stack, the agent graph or the database.
    assert "agent.router.intents" in names
    assert heavy_in(names, AGENT_STACK) == []
    assert not {"agent.service", "agent.graph", "memory.db"} & names


def test_a_configured_model_is_left_alone_when_the_router_matches(
    env: dict[str, str], docker_host: str
) -> None:
    # An endpoint nothing listens on: the router plans "show my containers" itself.
    configured = {**env, "DOCKER_HOST": docker_host, "JARVIS_LLM_BASE_URL": "http://127.0.0.1:9/v1"}
    names, proc = imported(["ask", "show my containers", "--plan", "--json"], configured)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["reply"] == "Would run: docker.list_containers({})"
    assert heavy_in(names, AGENT_STACK) == []


def test_a_configured_model_plans_what_the_router_cannot(
    env: dict[str, str], docker_host: str
) -> None:
    # The request goes to the model, whose client is built; it cannot answer (nothing listens).
    configured = {**env, "DOCKER_HOST": docker_host, "JARVIS_LLM_BASE_URL": "http://127.0.0.1:9/v1"}
    names, proc = imported(["ask", "compose a poem about the sea", "--plan", "--json"], configured)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "langchain_openai" in names
    plan = json.loads(proc.stdout)
    assert plan["tool_calls"] == [] and "language model could not answer" in plan["reply"]


def test_every_listed_command_loads_and_its_line_is_its_own_help() -> None:
    group = get_command(app)
    assert isinstance(group, TyperGroup)
    assert list(group.commands) == list(COMMANDS)
    for name, entry in COMMANDS.items():
        real = load(name, entry, group.rich_markup_mode)
        first = (real.help or "").strip().split("\n\n")[0].replace("\n", " ")
        assert entry.help == first, name


def test_one_tool_call_loads_its_family_and_no_agent_stack(
    env: dict[str, str], docker_host: str
) -> None:
    env = {**env, "DOCKER_HOST": docker_host}
    first, proc = imported(["tools", "call", "docker.list_containers", "--json"], env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "alembic" in first  # the new database is created through the migrations
    names, proc = imported(["tools", "call", "docker.list_containers", "--json"], env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # "no_data" on an engine that happens to hold no container at this moment.
    assert json.loads(proc.stdout)["status"] in ("ok", "no_data")
    # The call went through the gate, which wrote its audit entry.
    assert {"policies.gate", "memory.audit", "tools.docker.containers"} <= names
    assert heavy_in(names, ("langchain", "langgraph", "openai", "chainlit", "apprise")) == []
    # The database is at the newest revision: Alembic stays unloaded; other families too.
    assert heavy_in(names, ("alembic",)) == []
    assert not [n for n in names if n.startswith(("tools.domains", "tools.caddy", "tools.ssl"))]
