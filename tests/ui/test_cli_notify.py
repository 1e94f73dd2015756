"""`jarvis notify test` and approvals a command or a worker asks for, at a json:// receiver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.testbed.docker_fixtures import has_exited, wait_for
from tests.testbed.receiver import Receiver

JARVIS = str(Path(sys.executable).parent / "jarvis")


def jarvis(env: dict[str, str], *argv: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [JARVIS, *argv], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert proc.returncode == code, (argv, proc.returncode, proc.stdout, proc.stderr)
    return proc


@pytest.fixture
def env(tmp_path: Path, docker_host: str, receiver: Receiver) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
    base.update(
        JARVIS_DATA_DIR=str(tmp_path / "data"),
        JARVIS_AUDIT_SYSLOG="false",
        JARVIS_NOTIFY_URLS=receiver.url,
        JARVIS_NOTIFY_BURST_SECONDS="0.5",
        JARVIS_PUBLIC_URL="https://jarvis.example.net",
        DOCKER_HOST=docker_host,
        HOME=str(tmp_path),
    )
    return base


def test_notify_test_says_per_channel_whether_it_was_delivered(
    env: dict[str, str], receiver: Receiver
) -> None:
    sent = json.loads(jarvis(env, "notify", "test", "--json").stdout)
    assert sent == {
        "channels": [{"channel": "json://", "delivered": True, "attempts": 1, "error": None}]
    }
    assert receiver.messages[0]["title"] == "Jarvis test message"
    dead = {
        **env,
        "JARVIS_NOTIFY_URLS": "json://127.0.0.1:9/nothing-listens",
        "JARVIS_NOTIFY_RETRIES": "0",
    }
    failed = json.loads(jarvis(dead, "notify", "test", "--json", code=1).stdout)
    assert failed["channels"][0]["delivered"] is False
    bad = {**env, "JARVIS_NOTIFY_URLS": "nonsense://x"}
    assert "not an Apprise URL" in jarvis(bad, "notify", "test", code=2).stderr
    assert (
        "JARVIS_NOTIFY_URLS"
        in jarvis({**env, "JARVIS_NOTIFY_URLS": ""}, "notify", "test", code=2).stderr
    )


@pytest.mark.docker
def test_worker_once_sends_the_approval_it_asked_with_a_signed_link(
    env: dict[str, str], receiver: Receiver, make_container: Any
) -> None:
    box = make_container(["sh", "-c", "exit 3"])

    assert wait_for(lambda: has_exited(box))
    jarvis(env, "worker", "--once", "--json")
    text = "\n".join(m["title"] + "\n" + m["message"] for m in receiver.messages)
    assert f"Approval needed: docker.start_container on container:{box.name}" in text
    assert "https://jarvis.example.net/approve/" in text and "token=" in text


def test_an_approval_a_command_asks_for_reaches_the_channel_before_it_exits(
    env: dict[str, str], receiver: Receiver, make_container: Any
) -> None:
    box = make_container(start=False)
    args = json.dumps({"name": box.name})
    call = jarvis(env, "tools", "call", "docker.start_container", "--args", args, "--json")
    asked = json.loads(call.stdout)
    assert asked["status"] == "approval_required"
    text = "\n".join(m["title"] + "\n" + m["message"] for m in receiver.messages)
    assert f"Approval needed: docker.start_container on container:{box.name}" in text


def test_a_plan_sends_nothing(env: dict[str, str], receiver: Receiver, make_container: Any) -> None:
    box = make_container(start=False)
    jarvis(env, "ask", f"start {box.name}", "--plan")
    assert receiver.messages == []
