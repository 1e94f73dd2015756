"""`jarvis status` for people: uptime in its largest units, exit codes of exited containers."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.testbed.cli import Cli
from tests.testbed.docker_fixtures import has_exited, wait_for
from ui.cli.status_cmd import uptime_text


@pytest.fixture
def cli(tmp_path: Path, docker_host: str) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
    env.update(JARVIS_DATA_DIR=str(tmp_path / "data"), DOCKER_HOST=docker_host, HOME=str(tmp_path))
    return Cli(env)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (42, "42 s"),
        (12 * 60 + 59, "12 min"),
        (3600, "1 h"),
        (5 * 3600 + 3 * 60 + 30, "5 h 3 min"),
        (86400, "1 d"),
        (3 * 86400 + 4 * 3600 + 59 * 60, "3 d 4 h"),
    ],
)
def test_uptime_reads_in_its_two_largest_units(seconds: float, words: str) -> None:
    assert uptime_text(seconds) == words


@pytest.mark.docker
def test_status_says_how_long_the_host_is_up_and_how_containers_exited(
    cli: Cli, make_container: Any
) -> None:
    crashed = make_container(["sh", "-c", "exit 3"])
    clean = make_container(["true"])
    running = make_container()
    assert wait_for(lambda: has_exited(crashed) and has_exited(clean))

    doc = cli.json("status")
    found = {c["name"]: c for c in doc["containers"]["data"]["containers"]}
    assert found[crashed.name]["exit_code"] == 3
    assert found[clean.name]["exit_code"] == 0
    assert found[running.name]["exit_code"] is None

    out = cli("status").stdout
    seconds = doc["host"]["data"]["uptime_seconds"]
    up = re.search(r"^host .*: up (.+?), CPU", out, re.MULTILINE)
    assert up is not None, out
    # A host up for less than an hour is not "up 0 h".
    assert up.group(1) == uptime_text(seconds) or up.group(1) == uptime_text(seconds + 60)
    assert re.fullmatch(r"\d+ (s|min|h|d)( \d+ (min|h))?", up.group(1)), up.group(1)
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "exited (3)" in lines[crashed.name]
    assert "exited (0)" in lines[clean.name]
    assert "running" in lines[running.name] and "(" not in lines[running.name].split()[1]
