"""Approval headlines as a person says them: a tool's declared headline reaches the approval
view (and its card), the generic wording stays for tools that declare none."""

from __future__ import annotations

from typing import Any

from policies.outcome import ToolOutcome
from policies.wording import plain_words, sentence
from tests.testbed.fake_homeassistant import FAKE_HA_TOKEN, FakeHomeAssistant
from tests.testbed.fake_sunshine import PASSWORD, USER, FakeSunshine
from tests.testbed.integration_gate import IntegrationsGate
from tools.catalog import build_registry


async def _headline(bed: IntegrationsGate, tool: str, args: dict[str, Any]) -> str:
    asked: ToolOutcome = await bed.call(tool, args)
    assert asked.status == "approval_required", asked
    view = bed.gate.approvals.view(await bed.gate.approvals.get(asked.approval_id or ""))
    return plain_words(view)["headline"]


async def test_home_assistant_and_sunshine_read_as_said(
    integrations_gate: IntegrationsGate,
    fake_homeassistant: FakeHomeAssistant,
    fake_sunshine: FakeSunshine,
) -> None:
    bed = integrations_gate
    await bed.add("homeassistant", fake_homeassistant.url, {"token": FAKE_HA_TOKEN})
    await bed.add("sunshine", fake_sunshine.base_url, {"user": USER, "password": PASSWORD})
    light = {"domain": "light", "service": "turn_on", "entity_id": "light.kitchen"}
    assert await _headline(bed, "ha.call_service", light) == "Turn on light.kitchen"
    dimmed = {**light, "entity_id": "light.bedroom_left", "brightness_pct": 40}
    assert await _headline(bed, "ha.call_service", dimmed) == "Turn on light.bedroom_left at 40%"
    lock = {"domain": "lock", "service": "unlock", "entity_id": "lock.front_door"}
    assert await _headline(bed, "ha.call_security_service", lock) == "Unlock lock.front_door"
    pair = {"pin": "1234", "name": "Steam Deck"}
    assert (
        await _headline(bed, "sunshine.pair", pair)
        == "Pair a Moonlight client (Steam Deck) on sunshine"
    )
    # The list of pending approvals carries it too, and the one-line sentence starts with it.
    [first, *_] = [bed.gate.approvals.view(r) for r in await bed.gate.approvals.list("pending")]
    assert sentence(first).startswith("Pair a Moonlight client (Steam Deck) on sunshine — ")


def test_declared_or_generic() -> None:
    registry = build_registry()
    alarm = {
        "domain": "alarm_control_panel",
        "service": "alarm_arm_away",
        "entity_id": "alarm_control_panel.home",
    }
    assert (
        registry.headline("ha.call_security_service", alarm) == "Arm away alarm_control_panel.home"
    )
    cover = {"domain": "cover", "service": "open_cover", "entity_id": "cover.garage"}
    assert registry.headline("ha.call_service", cover) == "Open cover.garage"
    # A tool that declares none, one no longer registered, or args that no longer validate:
    # the generic wording applies.
    assert registry.headline("docker.restart_container", {"name": "plex"}) is None
    assert registry.headline("ha.gone", light_args()) is None
    assert registry.headline("ha.call_service", {**light_args(), "entity_id": "bad id"}) is None


def light_args() -> dict[str, Any]:
    return {"domain": "light", "service": "turn_on", "entity_id": "light.kitchen"}
