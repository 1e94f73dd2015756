"""`jarvis integrations` as real processes against the local Home Assistant stand-in."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.testbed.cli import JARVIS, Cli
from tests.testbed.fake_homeassistant import FAKE_HA_TOKEN, FakeHomeAssistant


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(tmp_path: Path, data_dir: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARVIS_", "CHAINLIT_"))}
    env.update(
        JARVIS_DATA_DIR=str(data_dir),
        HOME=str(tmp_path),
        JARVIS_INTEGRATIONS__BACKOFF_SECONDS="0.01",
    )
    return Cli(env)


def everything_written(data_dir: Path) -> bytes:
    """Every byte Jarvis keeps in its data dir (database, logs ...)."""
    return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def test_add_never_shows_the_token_and_a_wrong_one_stores_nothing(
    cli: Cli, fake_homeassistant: FakeHomeAssistant, data_dir: Path
) -> None:
    url = fake_homeassistant.url
    refused = cli(
        "integrations", "add", "homeassistant", "--url", url, "--token", "nope-123456", code=1
    )
    assert "the token was refused" in refused.stderr and "nope-123456" not in refused.stderr
    assert cli.json("integrations", "list") == []

    added = cli(
        "integrations", "add", "homeassistant", "--url", url + "/", "--token", FAKE_HA_TOKEN
    )
    assert "Home Assistant 2024.6.3" in added.stdout
    assert FAKE_HA_TOKEN not in added.stdout + added.stderr
    [row] = cli.json("integrations", "list")
    assert row["name"] == "homeassistant" and row["url"] == url
    assert row["credentials"] == {"token": "in the vault"} and row["test_result"] == "ok"
    shown = cli("integrations", "list")
    assert FAKE_HA_TOKEN not in shown.stdout + shown.stderr
    # Nowhere in the data dir in the clear: the vault keeps it encrypted, the audit never had it.
    assert FAKE_HA_TOKEN.encode() not in everything_written(data_dir)


def test_the_token_can_come_from_stdin(
    cli: Cli, fake_homeassistant: FakeHomeAssistant, data_dir: Path
) -> None:
    proc = subprocess.run(
        [
            JARVIS,
            "integrations",
            "add",
            "homeassistant",
            "--url",
            fake_homeassistant.url,
            "--token",
            "-",
            "--json",
        ],
        input=FAKE_HA_TOKEN + "\n",
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["reachable"] is True


def test_test_fails_on_a_refused_token_and_an_unreachable_url(
    cli: Cli, fake_homeassistant: FakeHomeAssistant
) -> None:
    cli(
        "integrations",
        "add",
        "homeassistant",
        "--url",
        fake_homeassistant.url,
        "--token",
        FAKE_HA_TOKEN,
    )
    assert cli.json("integrations", "test", "homeassistant")["ok"] is True
    fake_homeassistant.token = "rotated-on-the-server"
    failed = cli("integrations", "test", "homeassistant", code=1)
    assert "the token was refused" in failed.stderr
    [row] = cli.json("integrations", "list")
    assert "the token was refused" in row["test_result"]

    # Down when added: stored anyway, with the reason; its test fails.
    down = cli(
        "integrations",
        "add",
        "homeassistant",
        "--url",
        "http://127.0.0.1:9",
        "--token",
        "abc123",
        "--name",
        "cabin",
    )
    assert "stored, but it did not answer" in down.stdout
    report = cli.json("integrations", "test", "cabin", code=1)
    assert report["error"] == "unreachable" and "cannot be reached" in report["detail"]


def test_replace_remove_and_a_url_that_is_not_home_assistant(
    cli: Cli, fake_homeassistant: FakeHomeAssistant
) -> None:
    url = fake_homeassistant.url
    wrong = cli(
        "integrations",
        "add",
        "homeassistant",
        "--url",
        url + "/grafana",
        "--token",
        FAKE_HA_TOKEN,
        code=2,
    )
    assert (
        "is the URL the service's own base URL" in wrong.stderr
        or "is this Home Assistant" in wrong.stderr
    )
    assert cli.json("integrations", "list") == []
    cli("integrations", "add", "homeassistant", "--url", "http://127.0.0.1:9", "--token", "t0k3n")
    replaced = cli.json(
        "integrations", "add", "homeassistant", "--url", url, "--token", FAKE_HA_TOKEN
    )
    assert replaced["replaced"] is True
    assert [r["url"] for r in cli.json("integrations", "list")] == [url]
    bad = cli("integrations", "add", "homeassistant", "--url", url, "--user", "evin", code=2)
    assert "homeassistant takes no user" in bad.stderr
    cli("integrations", "remove", "homeassistant")
    assert cli.json("integrations", "list") == []
    cli("integrations", "test", "homeassistant", code=1)


def test_tools_reach_home_assistant_through_the_runtime(
    cli: Cli, fake_homeassistant: FakeHomeAssistant
) -> None:
    cli(
        "integrations",
        "add",
        "homeassistant",
        "--url",
        fake_homeassistant.url,
        "--token",
        FAKE_HA_TOKEN,
    )
    args = json.dumps({"entity_id": "sensor.living_room_temperature"})
    out = cli.json("tools", "call", "ha.get_entity", "--args", args)
    assert out["status"] == "ok"
    assert (out["data"]["entity"]["state"], out["data"]["entity"]["unit"]) == ("21.5", "°C")
