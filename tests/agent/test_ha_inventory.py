"""Home Assistant's entities in the router's inventory: read live, a slow one not waited for."""

from __future__ import annotations

import socket
import time

from agent.ha_inventory import ha_entities, read_ha_entities
from core.settings import Settings
from tests.testbed.fake_homeassistant import FAKE_HA_TOKEN, FakeHomeAssistant
from tests.testbed.integration_gate import IntegrationsGate


async def test_entities_come_live_and_a_silent_instance_is_said(
    integrations_gate: IntegrationsGate, fake_homeassistant: FakeHomeAssistant
) -> None:
    bed = integrations_gate
    assert await ha_entities(bed.access) == {}  # none configured: the router says how to add
    await bed.add("homeassistant", fake_homeassistant.url, {"token": FAKE_HA_TOKEN})
    found = await ha_entities(bed.access)
    assert found["ha_status"] == "ok"
    kitchen = next(e for e in found["entities"] if e.entity_id == "light.kitchen")
    assert (kitchen.name, kitchen.state, kitchen.integration) == (
        "Kitchen Light",
        "off",
        "homeassistant",
    )
    fake_homeassistant.states["light.kitchen"]["state"] = "on"
    again = await ha_entities(bed.access)
    assert next(e.state for e in again["entities"] if e.entity_id == "light.kitchen") == "on"

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        # Stored although it does not answer (the probe times out), then read with the bound.
        await bed.add("homeassistant", url, {"token": "t0k3n"}, "cabin")
        started = time.monotonic()
        found = await ha_entities(bed.access)
        assert time.monotonic() - started < 6
    assert "cabin did not answer within 3 s" in found["ha_status"]
    assert any(e.entity_id == "light.kitchen" for e in found["entities"])


async def test_a_plan_on_a_fresh_install_reads_nothing(settings: Settings) -> None:
    assert await read_ha_entities(settings) == {}
    assert not (settings.data_dir / "jarvis.db").exists()
    assert not (settings.data_dir / "secret.key").exists()
