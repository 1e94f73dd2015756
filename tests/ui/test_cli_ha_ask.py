"""`jarvis ask` about the house, as real processes against the Home Assistant stand-in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.testbed.cli import Cli
from tests.testbed.fake_homeassistant import FAKE_HA_TOKEN, FakeHomeAssistant


@pytest.fixture
def cli(tmp_path: Path, fake_homeassistant: FakeHomeAssistant) -> Cli:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JARVIS_", "CHAINLIT_", "OPENAI_", "DOCKER_HOST"))
    }
    env.update(JARVIS_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path))
    cli = Cli(env)
    url = fake_homeassistant.url
    cli("integrations", "add", "homeassistant", "--url", url, "--token", FAKE_HA_TOKEN)
    fake_homeassistant.requests.clear()
    return cli


def test_turning_on_the_kitchen_light_waits_for_approval(
    cli: Cli, fake_homeassistant: FakeHomeAssistant
) -> None:
    plan = cli.json("ask", "turn on the kitchen light", "--plan")
    assert [(c["name"], c["args"]) for c in plan["tool_calls"]] == [
        (
            "ha.call_service",
            {"domain": "light", "service": "turn_on", "entity_id": "light.kitchen"},
        )
    ]
    # The plan read the live entity list, and called nothing.
    assert [r.path for r in fake_homeassistant.requests] == ["/api/states"]

    asked = cli.json("ask", "turn on the kitchen light")
    assert asked["waiting"] is True
    [approval] = asked["approvals"]
    assert approval["resource"] == "ha:light.kitchen" and approval["status"] == "pending"
    assert fake_homeassistant.service_calls() == []
    assert fake_homeassistant.states["light.kitchen"]["state"] == "off"

    done = cli("approvals", "approve", approval["id"])
    assert "executed" in done.stdout
    [call] = fake_homeassistant.service_calls()
    assert call.path == "/api/services/light/turn_on"
    assert fake_homeassistant.states["light.kitchen"]["state"] == "on"


def test_the_living_room_temperature_is_answered_with_its_unit(cli: Cli) -> None:
    reply = cli("ask", "what's the living room temperature").stdout
    assert "is 21.5 °C" in reply
    asked = cli.json("ask", "turn on the bedroom light")
    assert "Bedroom Left Lamp" in asked["reply"] and "Bedroom Right Lamp" in asked["reply"]
    assert asked["tool_calls"] == []
