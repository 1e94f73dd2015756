"""`jarvis ask` as real processes against the Plex, n8n and Sunshine stand-ins, added by CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.testbed.cli import Cli
from tests.testbed.fake_n8n import API_KEY, FakeN8n
from tests.testbed.fake_plex import TOKEN, FakePlex, episode, movie
from tests.testbed.fake_sunshine import PASSWORD, USER, Certificate, FakeSunshine


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARVIS_", "CHAINLIT_"))}
    env.update(
        JARVIS_DATA_DIR=str(tmp_path / "data"),
        HOME=str(tmp_path),
        JARVIS_INTEGRATIONS__BACKOFF_SECONDS="0.01",
        # No Docker Engine: these requests need none.
        DOCKER_HOST="unix:///nonexistent/docker.sock",
    )
    return Cli(env)


def test_what_is_playing_on_plex_names_the_title(cli: Cli, fake_plex: FakePlex) -> None:
    added = cli("integrations", "add", "plex", "--url", fake_plex.base_url, "--token", TOKEN)
    assert TOKEN not in added.stdout + added.stderr
    fake_plex.sessions = [episode("Severance", 2, 3, "Who Is Alive?"), movie("Dune", 2021)]
    answer = cli.json("ask", "what is playing on plex")
    assert [c["name"] for c in answer["tool_calls"]] == ["plex.now_playing"]
    assert "Severance S02E03 · Who Is Alive?" in answer["reply"]
    assert "Dune (2021)" in answer["reply"] and "`evin` on `Living Room TV`" in answer["reply"]
    assert TOKEN not in str(answer)
    fake_plex.sessions = []
    assert "Nothing is playing on Plex" in cli("ask", "what's playing on plex").stdout


def test_list_my_n8n_workflows_names_them_and_failures_today(cli: Cli, fake_n8n: FakeN8n) -> None:
    backup = fake_n8n.add_workflow("Nightly backup", active=True)
    fake_n8n.add_workflow("Discord alerts")
    fake_n8n.add_execution(backup, "success", minutes_ago=600)
    cli("integrations", "add", "n8n", "--url", fake_n8n.base_url, "--token", API_KEY)
    listed = cli.json("ask", "list my n8n workflows")
    assert "`Nightly backup` — active, last run success" in listed["reply"]
    assert "`Discord alerts` — inactive, no recent run" in listed["reply"]
    assert (
        "No n8n workflow failed in the last day."
        in cli("ask", "did any n8n workflow fail today").stdout
    )
    fake_n8n.add_execution(backup, "error", minutes_ago=30)
    failed = cli.json("ask", "did any n8n workflow fail today")
    args = failed["tool_calls"][0]["args"]
    assert (args["status"], args["since_hours"], args["integration"]) == ("error", 24, "n8n")
    assert failed["reply"].startswith("Yes: 1 failed n8n execution in the last day")
    assert "`Nightly backup` — error 30 min ago" in failed["reply"]
    paused = cli.json("ask", "deactivate the n8n workflow nightly backup")
    [approval] = paused["approvals"]
    assert approval["tool"] == "n8n.deactivate" and approval["args"]["workflow"] == backup
    assert fake_n8n.workflows[backup]["active"] is True
    cli("approvals", "approve", approval["id"])
    assert fake_n8n.workflows[backup]["active"] is False


def test_pairing_waits_for_approval_and_only_then_reaches_sunshine(
    cli: Cli, fake_sunshine: FakeSunshine, sunshine_cert: Certificate
) -> None:
    added = cli.json(
        "integrations", "add", "sunshine", "--url", fake_sunshine.base_url,
        "--user", USER, "--password", PASSWORD,
    )  # fmt: skip
    assert added["options"]["fingerprint"] == sunshine_cert.sha256 and added["reachable"]
    assert PASSWORD not in str(added)
    fake_sunshine.waiting_pin = "1234"
    # Two digits are not a PIN: asked again in words, nothing asked for nor sent.
    short = cli.json("ask", "pair my moonlight client with PIN 12")
    assert short["tool_calls"] == [] and short["approvals"] == []
    assert "`12` is not a PIN Moonlight shows" in short["reply"]
    assert "Which 4 digits does it show?" in short["reply"]
    plan = cli.json("ask", "pair my moonlight client with PIN 1234", "--plan")
    assert [(c["name"], c["args"]) for c in plan["tool_calls"]] == [
        ("sunshine.pair", {"pin": "1234"})
    ]
    asked = cli.json("ask", "pair my moonlight client with PIN 1234")
    assert [a["tool"] for a in asked["approvals"]] == ["sunshine.pair"]
    assert "needs your approval" in asked["reply"]
    assert fake_sunshine.paths("POST") == [] and fake_sunshine.clients == []
    cli("approvals", "approve", asked["approvals"][0]["id"])
    assert fake_sunshine.paths("POST") == ["/api/pin"]
    assert [c["name"] for c in fake_sunshine.clients] == ["Moonlight"]
